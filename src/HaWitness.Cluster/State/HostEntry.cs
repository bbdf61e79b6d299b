namespace HaWitness.Cluster.State;

/// <summary>A host as the committed (replicated) state knows it. Immutable: commands replace it.</summary>
public sealed record HostEntry
{
    /// <summary>Registered name, unique.</summary>
    public required string Name { get; init; }

    /// <summary>The agent's Raft endpoint (<c>IP:PORT</c>): its identity as a voter.</summary>
    public required string RaftEndpoint { get; init; }

    /// <summary>The agent's peer-probe endpoint (<c>IP:PORT</c>, HTTPS with cluster certificates).</summary>
    public required string ProbeEndpoint { get; init; }

    /// <summary>The host's iSCSI initiator name: what the storage fence revokes.</summary>
    public required string InitiatorIqn { get; init; }

    /// <summary><c>sim</c>, <c>vix</c> or <c>libvirt</c>.</summary>
    public required string Hypervisor { get; init; }

    /// <summary>CPU capacity (logical CPUs).</summary>
    public int Cpus { get; init; }

    /// <summary>Memory capacity in MiB.</summary>
    public long MemoryMb { get; init; }

    /// <summary>The agent's boot generation id (a new one every agent start).</summary>
    public required string Generation { get; init; }

    /// <summary>SHA-256 thumbprint of the agent's member certificate: its identity.</summary>
    public required string Identity { get; init; }

    /// <summary>The agent's bound on powering off its VMs when it self-fences, in ms (T_off).</summary>
    public int PowerOffBoundMs { get; init; } = 5000;

    /// <summary>Lifecycle as committed.</summary>
    public HostPhase Phase { get; init; } = HostPhase.Active;

    /// <summary>Cut off the storage (verified) or declared fenced by lease alone.</summary>
    public bool Fenced { get; init; }

    /// <summary>In planned maintenance: excluded from placement; not failed over.</summary>
    public bool Maintenance { get; init; }

    /// <summary>
    /// A contingency host: planned placement never chooses it, failover restarts choose it first,
    /// and its capacity counts as room for failovers. VMs on it stay until an operator moves them.
    /// Absent in entries and snapshots written before spares existed: not a spare.
    /// </summary>
    public bool Spare { get; init; }

    /// <summary>Whether the host is in the Raft voter set.</summary>
    public bool Voter { get; init; } = true;

    /// <summary>
    /// Admitted but not heard yet: a member counts as a voter only once its heartbeats arrive and it
    /// has applied its own registration; one never heard is dropped (<see cref="EndProbation"/>).
    /// </summary>
    public bool Probation { get; init; }

    /// <summary>Log index of the <c>HostFailed</c> command, when failed.</summary>
    public long FailedAtIndex { get; init; }

    /// <summary>The generation that was running when the host failed (rule 4: it must change before re-admission).</summary>
    public string? FailedGeneration { get; init; }

    /// <summary>Why the host was declared failed (the <c>HostFailed</c> command's reason), when failed.</summary>
    public string? FailedReason { get; init; }

    /// <summary>Log index of the last registration.</summary>
    public long RegisteredAtIndex { get; init; }
}
