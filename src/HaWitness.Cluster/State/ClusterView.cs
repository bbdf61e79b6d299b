namespace HaWitness.Cluster.State;

/// <summary>An immutable copy of the committed state at one log index.</summary>
public sealed record ClusterView(
    long Index,
    IReadOnlyDictionary<string, HostEntry> Hosts,
    IReadOnlyDictionary<string, VmEntry> Vms,
    IReadOnlySet<string> RevokedIdentities)
{
    /// <summary>The empty state before the first entry.</summary>
    public static ClusterView Empty { get; } = new(0,
        new Dictionary<string, HostEntry>(), new Dictionary<string, VmEntry>(), new HashSet<string>());

    /// <summary>Placement rules by name.</summary>
    public IReadOnlyDictionary<string, PlacementRule> Rules { get; init; } = new Dictionary<string, PlacementRule>();

    /// <summary>The VMs owned by <paramref name="host"/>.</summary>
    public IEnumerable<VmEntry> VmsOn(string host) => Vms.Values.Where(v => v.Host == host);
}
