using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Cluster;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Failover.Alarms;
using HaWitness.Failover.Journal;
using Microsoft.Extensions.Logging;

namespace HaWitness.Failover.Engine;

/// <summary>
/// The failover engine: runs on the Raft leader only, under its leadership token. It is a
/// reconciler: every tick it reads the committed state and the hosts' reports and takes the next
/// step of every failover, planned move and start that is due. Each step is committed (or
/// journaled) before the next is taken, and every step can be taken twice, so a new leader (or the
/// same appliance after a crash) resumes from the committed state without a plan of its own:
/// </summary>
/// <remarks>
/// <c>silent host → HostFailed → storage fence verified → HostFenced → lease surely expired →
/// placement → AssignVms (new epochs) → each start confirmed by the target's report → retries
/// (same host with backoff, then another host) → unplaced VMs retried as capacity returns</c>.
/// What lives only in memory (fences in flight, start deadlines, tries) is rebuilt or restarted
/// after a crash; a lost try is simply tried again.
/// </remarks>
internal sealed partial class FailoverEngine
{
    private readonly ICommandLog _log;
    private readonly IHostLiveness _liveness;
    private readonly IStorageFencer _fencer;
    private readonly IDecisionJournal _journal;
    private readonly IAlarmSink _alarms;
    private readonly TimeProvider _time;
    private readonly FailoverOptions _options;
    private readonly LeaseOptions _lease;
    private readonly ILogger _logger;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly StorageGrants _grants;
    private readonly long _origin;
    private DateTimeOffset _quorumSeenAt;
    private bool _quorumLost;
    private TimeSpan? _dueIn;
    private DateTimeOffset _dueAt;

    public FailoverEngine(
        ICommandLog log,
        IHostLiveness liveness,
        IStorageFencer fencer,
        IDecisionJournal journal,
        IAlarmSink alarms,
        TimeProvider time,
        FailoverOptions options,
        LeaseOptions lease,
        ILogger<FailoverEngine> logger,
        StorageGrants? grants = null)
    {
        _log = log;
        _liveness = liveness;
        _fencer = fencer;
        _journal = journal;
        _alarms = alarms;
        _time = time;
        _options = options;
        _lease = lease;
        _logger = logger;
        _grants = grants ?? new StorageGrants(log, fencer, d => journal.Append(d), new GrantAlarms(alarms, time), time,
            GrantPolicy.Backoffs(options.FenceRetryMs, options.FenceRetryMaxMs), logger: logger);
        _origin = time.GetTimestamp();
        _quorumSeenAt = Now();
        // A start or stop is confirmed the moment its report arrives, not at the next tick.
        _liveness.ReportChanged += _ => Wake();
    }

    /// <summary>Asks for a tick now (a failure was committed, a report changed): no step waits for the period.</summary>
    public void Nudge() => Wake();

    /// <summary>
    /// Now on the monotonic clock, as an offset from a fixed origin: every deadline, backoff and
    /// silence of the engine is measured on it, so a step of the wall clock moves none of them.
    /// The wall clock is read only for what is shown (journal text, alarms).
    /// </summary>
    private DateTimeOffset Now() => DateTimeOffset.UnixEpoch + _time.GetElapsedTime(_origin);

    /// <summary>A monotonic instant as the wall clock reads it now (display only).</summary>
    private DateTimeOffset Wall(DateTimeOffset monotonic) => _time.GetUtcNow() + (monotonic - Now());

    /// <summary>Whether failovers rely on the lease alone (no storage target configured).</summary>
    public bool LeaseOnly => !_fencer.IsConfigured;

    /// <summary>
    /// Forgets everything held in memory and counts silence from now: call when this node becomes
    /// leader (a host that was silent under the previous leader gets a full grace period).
    /// </summary>
    public void BeginLeadership()
    {
        ForgetRecords();
        _dueAt = default;
        _quorumLost = false;
        _quorumSeenAt = Now();
        LogLeadership(_logger, _log.View.Index, LeaseOnly);
    }

    /// <summary>
    /// Whether a tick is due: a nudge came (a failure committed, a report changed, a fence or grant
    /// completed), something the last tick waits for came due, or <see cref="FailoverOptions.TickMs"/>
    /// passed since it. The leader loop asks on every pass.
    /// </summary>
    public bool IsDue => Volatile.Read(ref _wake).Task.IsCompleted || Now() >= _dueAt;

    /// <summary>
    /// Waits until <paramref name="longest"/> passed, the engine is nudged, or its next tick comes
    /// due, whichever is first: the leader loop's one wait.
    /// </summary>
    public async Task WaitAsync(TimeSpan longest, CancellationToken cancellationToken)
    {
        var wake = Volatile.Read(ref _wake).Task;
        var left = _dueAt - Now();
        var period = left < longest ? left : longest;
        if (wake.IsCompleted || period <= TimeSpan.Zero)
        {
            return;
        }

        await Task.WhenAny(wake, Task.Delay(period, _time, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// One pass over everything that is due. Throws <see cref="NotLeaderException"/> when
    /// leadership is gone; the next tick is due after <see cref="FailoverOptions.TickMs"/> or
    /// sooner when something it waits for comes due first.
    /// </summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var wake = Volatile.Read(ref _wake);
        if (wake.Task.IsCompleted)
        {
            // Taken before the state is read: a nudge from now on asks for another tick.
            Interlocked.CompareExchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), wake);
        }

        _dueIn = null;
        var now = Now();
        try
        {
            await TickAsync(now, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            var period = TimeSpan.FromMilliseconds(_options.TickMs);
            _dueAt = Now() + (_dueIn is { } due && due < period ? due + TimeSpan.FromMilliseconds(1) : period);
        }
    }

    private async Task TickAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        PruneRecords(_log.View);
        if (!CheckQuorum(now))
        {
            return;
        }

        await FenceAsync(now, cancellationToken).ConfigureAwait(false);
        await ConfirmStartsAsync(now, cancellationToken).ConfigureAwait(false);
        await RestartAsync(now, cancellationToken).ConfigureAwait(false);
        await MoveAsync(now, cancellationToken).ConfigureAwait(false);
        await DrainMaintenanceAsync(now, cancellationToken).ConfigureAwait(false);
        await ReadmitAsync(now, cancellationToken).ConfigureAwait(false);
    }

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Something this tick waits for becomes due in <paramref name="left"/>: the next tick comes no later.</summary>
    private void DueIn(TimeSpan left)
    {
        if (_dueIn is not { } d || left < d)
        {
            _dueIn = left;
        }
    }

    /// <summary>
    /// Acts only with a heartbeat quorum (after a loss, the lease tracker's SafeToAct counts from
    /// when it came back: while there was none, nobody had a leader and a silent host rightly kept
    /// its VMs). A loss is journaled (and alarmed) once it lasted <see cref="LeaseOptions.SuspectAfterMs"/>,
    /// so a restart's first second without heartbeats is not an alarm.
    /// </summary>
    private bool CheckQuorum(DateTimeOffset now)
    {
        if (_liveness.HasHeartbeatQuorum)
        {
            _quorumSeenAt = now;
            if (_quorumLost)
            {
                _quorumLost = false;
                Journal(FailoverKinds.Quorum, Subjects.Cluster, Outcome.Succeeded, "heartbeat quorum regained: failover decisions resume");
            }

            return true;
        }

        if (!_quorumLost && now - _quorumSeenAt >= TimeSpan.FromMilliseconds(_lease.SuspectAfterMs))
        {
            _quorumLost = true;
            const string why = "heartbeat quorum lost: the appliance hears fewer than a majority of voters, so it fences nobody and restarts nothing until it hears them again";
            Journal(FailoverKinds.Quorum, Subjects.Cluster, Outcome.Failed, why);
            LogQuorumLost(_logger);
            _alarms.Raise(new Alarm(AlarmKind.QuorumLost, Subjects.Cluster, why, _time.GetUtcNow()));
        }

        return false;
    }

    /// <summary>Commits <paramref name="command"/>; a rejection is logged and returned, never thrown.</summary>
    private async Task<Commit> ProposeAsync(ClusterCommand command, CancellationToken cancellationToken)
    {
        var commit = await _log.ProposeAsync(command, cancellationToken).ConfigureAwait(false);
        if (!commit.Result.Applied)
        {
            LogRejected(_logger, command.Describe(), commit.Result.Reason ?? "rejected");
        }

        return commit;
    }

    private long Journal(string kind, string subject, Outcome outcome, string summary, JsonObject? evidence = null)
    {
        evidence ??= [];
        evidence["summary"] = summary;
        return _journal.Append(new NewDecision(kind, subject, outcome, evidence));
    }

    /// <summary>
    /// Journals once per distinct (host or VM, topic, text): a condition that lasts is one row, not one per tick.
    /// <paramref name="identity"/>, when given, replaces the text in that comparison (for texts that
    /// carry a moving deadline).
    /// </summary>
    private bool JournalOnce(SaidOnce said, string topic, string kind, string subject, Outcome outcome, string summary, JsonObject? evidence = null, string? identity = null)
    {
        if (!said.Say(topic, identity ?? summary))
        {
            return false;
        }

        Journal(kind, subject, outcome, summary, evidence);
        return true;
    }

    private static ReportedVm? Find(HostReport report, string vm) => ReportIndex.Find(report, vm);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private string At(DateTimeOffset t) => t.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
