namespace HaWitness.Cluster.State;

/// <summary>The state as commands see it while applying: plain dictionaries, one writer at a time.</summary>
internal sealed class MutableState
{
    public Dictionary<string, HostEntry> Hosts { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, VmEntry> Vms { get; } = new(StringComparer.Ordinal);

    public HashSet<string> RevokedIdentities { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PlacementRule> Rules { get; } = new(StringComparer.Ordinal);

    public bool TryHost(string name, out HostEntry host) => Hosts.TryGetValue(name, out host!);

    public bool TryVm(string name, out VmEntry vm) => Vms.TryGetValue(name, out vm!);
}
