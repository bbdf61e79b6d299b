namespace HaWitness.Hypervisors;

/// <summary>How to power a VM off.</summary>
public enum PowerOffMode
{
    /// <summary>Pull the plug: at once, whatever the guest does (fencing, isolation response).</summary>
    Hard = 0,

    /// <summary>Ask the guest to shut down (ACPI / VMware tools); may take long or be ignored.</summary>
    Soft = 1,
}
