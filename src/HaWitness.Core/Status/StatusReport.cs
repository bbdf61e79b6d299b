namespace HaWitness.Core.Status;

/// <summary>The body of <c>GET /api/v1/status</c>. Field names are a contract for operators' scripts.</summary>
public sealed record StatusReport(
    string Node,
    string Version,
    DateTimeOffset Time,
    DateTimeOffset StartedAt,
    string? Leader,
    long Term,
    QuorumStatus Quorum,
    IReadOnlyList<HostStatus> Hosts,
    IReadOnlyList<VmStatus> Vms,
    JournalStatus Journal);

/// <summary>Who can decide, and if not, why not.</summary>
public sealed record QuorumStatus(int Voters, int Reachable, bool HasQuorum, string Reason);

/// <summary>One host as the appliance sees it.</summary>
public sealed record HostStatus(
    string Name,
    string State,
    long? LeaseAgeMs,
    bool Fenced,
    bool Maintenance,
    string? Generation,
    bool Voter = false,
    string? RaftEndpoint = null,
    string? InitiatorIqn = null,
    string? Hypervisor = null,
    int Cpus = 0,
    long MemoryMb = 0,
    int Vms = 0,
    long? AppliedIndex = null,
    bool Spare = false);

/// <summary>One VM as the appliance sees it.</summary>
public sealed record VmStatus(
    string Name,
    string? Host,
    string State,
    string Priority,
    long Epoch,
    bool Ha);

/// <summary>Journal size figures, and why it cannot write now (null while it can: disk full, I/O error).</summary>
public sealed record JournalStatus(long LastDecisionId, long Events, long Bytes, string? Fault = null);
