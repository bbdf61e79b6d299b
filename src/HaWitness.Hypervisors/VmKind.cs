namespace HaWitness.Hypervisors;

/// <summary>Which kind of hypervisor a <see cref="VmDefinition"/> is for.</summary>
public enum VmKind
{
    /// <summary>The in-process simulation (demos, scale tests).</summary>
    Sim = 0,

    /// <summary>VMware through VIX or vmrun: a <c>.vmx</c> on shared storage.</summary>
    Vix = 1,

    /// <summary>libvirt/KVM: a domain XML with iSCSI network disks.</summary>
    Libvirt = 2,
}
