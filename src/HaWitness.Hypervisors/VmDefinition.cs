using System.Text.Json.Serialization;
using HaWitness.Hypervisors.Libvirt;

namespace HaWitness.Hypervisors;

/// <summary>
/// What any host needs to start a VM; it travels in the committed state. For VIX the <c>.vmx</c>
/// path on the shared storage (and the datastore it is relative to, if any); for libvirt the
/// domain XML whose iSCSI network disks the starting host rewrites to its own initiator IQN
/// (<see cref="DomainXml.WithInitiator"/>); for the simulation only the name.
/// </summary>
public sealed record VmDefinition
{
    /// <summary>The VM's cluster name (<see cref="VmNames.IsValid"/>); for libvirt also the domain's name.</summary>
    public required string Name { get; init; }

    /// <summary>Which hypervisor it is for.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<VmKind>))]
    public required VmKind Kind { get; init; }

    /// <summary>VIX: the <c>.vmx</c> path (absolute, or relative to <see cref="Datastore"/>).</summary>
    public string? VmxPath { get; init; }

    /// <summary>VIX on a VI server: the datastore the <see cref="VmxPath"/> is relative to (<c>[Datastore] VmxPath</c>).</summary>
    public string? Datastore { get; init; }

    /// <summary>libvirt: the domain XML.</summary>
    public string? DomainXml { get; init; }

    /// <summary>
    /// Virtual CPUs as the hypervisor defines the VM, when the driver can tell (libvirt: the
    /// domain's <c>&lt;vcpu&gt;</c>). Not serialized: the committed state keeps the size in the VM's
    /// entry, where placement and admission read it.
    /// </summary>
    [JsonIgnore]
    public int? Cpus { get; init; }

    /// <summary>Memory in MiB as the hypervisor defines the VM, when the driver can tell (libvirt: <c>&lt;memory&gt;</c>). Not serialized.</summary>
    [JsonIgnore]
    public long? MemoryMiB { get; init; }

    /// <summary>How drivers address this VM.</summary>
    [JsonIgnore]
    public VmRef Ref => new(Name, Kind switch
    {
        VmKind.Vix when Datastore is not null => $"[{Datastore}] {VmxPath}",
        VmKind.Vix => VmxPath ?? string.Empty,
        _ => Name,
    });

    /// <summary>A VMware VM.</summary>
    public static VmDefinition ForVix(string name, string vmxPath, string? datastore = null) =>
        new() { Name = name, Kind = VmKind.Vix, VmxPath = vmxPath, Datastore = datastore };

    /// <summary>A libvirt domain.</summary>
    public static VmDefinition ForLibvirt(string name, string domainXml) =>
        new() { Name = name, Kind = VmKind.Libvirt, DomainXml = domainXml };

    /// <summary>A simulated VM.</summary>
    public static VmDefinition ForSim(string name) => new() { Name = name, Kind = VmKind.Sim };

    /// <summary>Checks every field for its kind; null when the definition is usable.</summary>
    public HypervisorError? Validate()
    {
        if (!VmNames.IsValid(Name))
        {
            return Invalid($"VM name '{Name}' is not valid (1..80 of letters, digits, '-', '_', '.', starting with a letter or digit)");
        }

        switch (Kind)
        {
            case VmKind.Vix:
                return VmNames.CheckVmxPath(VmxPath, Datastore) is { } why ? Invalid($"VM {Name}: {why}") : null;
            case VmKind.Libvirt:
                if (DomainXml is null)
                {
                    return Invalid($"VM {Name}: no domain XML");
                }

                var parsed = Libvirt.DomainXml.Parse(DomainXml);
                if (!parsed.IsOk)
                {
                    return parsed.Error;
                }

                return parsed.Value.Name == Name ? null : Invalid($"VM {Name}: the domain XML names '{parsed.Value.Name}'");
            case VmKind.Sim:
                return null;
            default:
                return Invalid($"VM {Name}: unknown kind {Kind}");
        }
    }

    private static HypervisorError Invalid(string message) => new(HypervisorErrorKind.InvalidArgument, message);
}
