namespace HaWitness.Cluster.State;

/// <summary>The whole state as persisted in a Raft snapshot.</summary>
public sealed record ClusterSnapshot(
    long Index,
    IReadOnlyList<HostEntry> Hosts,
    IReadOnlyList<VmEntry> Vms,
    IReadOnlyList<string> RevokedIdentities,
    IReadOnlyList<PlacementRule>? Rules = null);
