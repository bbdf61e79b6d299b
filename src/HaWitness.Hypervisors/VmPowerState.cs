namespace HaWitness.Hypervisors;

/// <summary>A VM's power state, the same words for every hypervisor.</summary>
public enum VmPowerState
{
    /// <summary>The hypervisor did not say.</summary>
    Unknown = 0,

    /// <summary>Off (libvirt: shut off; VIX: powered off).</summary>
    Off,

    /// <summary>Powering on.</summary>
    Starting,

    /// <summary>Running (libvirt: running or blocked; VIX: powered on).</summary>
    Running,

    /// <summary>Shutting down or powering off.</summary>
    Stopping,

    /// <summary>Paused in memory (libvirt: paused). Holds memory; does no I/O.</summary>
    Paused,

    /// <summary>Being suspended.</summary>
    Suspending,

    /// <summary>Suspended to disk (VIX) or to memory (libvirt pmsuspended).</summary>
    Suspended,

    /// <summary>Crashed (libvirt).</summary>
    Crashed,
}
