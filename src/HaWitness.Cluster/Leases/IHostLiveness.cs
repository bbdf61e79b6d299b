namespace HaWitness.Cluster.Leases;

/// <summary>
/// What the leader knows of each host's liveness, on the appliance's own clock
/// (<see cref="TimeProvider"/>): when it is safe to act on a silent host, and what the host's
/// agent last reported.
/// </summary>
public interface IHostLiveness
{
    /// <summary>
    /// The earliest time, on the appliance's clock, at which the host has surely stopped running
    /// its VMs (its lease expired, its isolation check ran and its power-off bound passed), or
    /// null while the appliance may not act at all (no heartbeat quorum: see docs/quorum.md).
    /// </summary>
    DateTimeOffset? SafeToActAt(string host);

    /// <summary>
    /// Whether that time has come, decided on the monotonic clock (a step of the wall clock changes
    /// nothing). Decisions use this; <see cref="SafeToActAt"/> is for display.
    /// </summary>
    bool IsSafeToAct(string host);

    /// <summary>
    /// How long until <see cref="IsSafeToAct"/> turns true, on the monotonic clock (zero once it is;
    /// null while the appliance may not act at all). For waking up on time, not for deciding.
    /// </summary>
    TimeSpan? UntilSafeToAct(string host);

    /// <summary>
    /// Raised with the host's name (outside any lock, on the thread that received the heartbeat)
    /// when a host's report says something new about its VMs: a VM started, stopped or failed, or the
    /// host fenced itself. Lets the leader confirm a start the moment it is reported.
    /// </summary>
    event Action<string>? ReportChanged;

    /// <summary>How long ago the agent's last report arrived (monotonic), or null if none in this leadership.</summary>
    TimeSpan? SinceReport(string host);

    /// <summary>Whether the appliance currently hears a majority of voters (itself included).</summary>
    bool HasHeartbeatQuorum { get; }

    /// <summary>The agent's last report (VMs it runs, with epochs), or null if none in this leadership.</summary>
    HostReport? LastReport(string host);
}

/// <summary>A heartbeat's payload as the appliance received it.</summary>
/// <param name="Host">Host name.</param>
/// <param name="Generation">The agent's generation id.</param>
/// <param name="ReceivedAt">Appliance wall clock at receipt: for display; ages come from <see cref="IHostLiveness.SinceReport"/>.</param>
/// <param name="AppliedIndex">The log index the agent has applied.</param>
/// <param name="SelfFenced">The agent fenced itself (VMs powered off) and has not re-registered since.</param>
/// <param name="Vms">The VMs the hypervisor reports on that host.</param>
/// <param name="Seq">This heartbeat's sequence number (per agent process).</param>
/// <param name="AckedSeq">The newest heartbeat whose acknowledgement the agent accepted (0: none): proof that its lease holds.</param>
public sealed record HostReport(
    string Host,
    string Generation,
    DateTimeOffset ReceivedAt,
    long AppliedIndex,
    bool SelfFenced,
    IReadOnlyList<ReportedVm> Vms,
    long Seq = 0,
    long AckedSeq = 0);

/// <summary>One VM as an agent reports it.</summary>
/// <param name="Name">VM name.</param>
/// <param name="Running">Powered on (or powering on).</param>
/// <param name="Epoch">The ownership epoch the agent started it for (0 if not started by us).</param>
/// <param name="Error">The last start/stop error, if any.</param>
/// <param name="Definition">The hypervisor's definition (JSON of the driver's VmDefinition), sent only for VMs the committed state does not know yet.</param>
/// <param name="Cpus">Its virtual CPUs as the hypervisor defines them (0: not known), sent with the definition.</param>
/// <param name="MemoryMb">Its memory in MiB as the hypervisor defines it (0: not known), sent with the definition.</param>
public sealed record ReportedVm(string Name, bool Running, long Epoch, string? Error = null, string? Definition = null, int Cpus = 0, long MemoryMb = 0);
