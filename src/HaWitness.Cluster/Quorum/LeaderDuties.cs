using System.Net;
using System.Text.Json.Nodes;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;

namespace HaWitness.Cluster.Quorum;

/// <summary>
/// What the leader does on its own clock, every tick: suspect silent hosts (journaled once per
/// silence), commit <c>HostFailed</c> once a host's lease has surely expired and a heartbeat
/// quorum exists, and shrink the voter set (dynamic quorum) once a failed host is surely off.
/// Each step is idempotent: a tick after a crash or a lost leadership redoes only what is missing.
/// This is the cluster's only failure detector: the appliance runs it, and so do the failover
/// simulation and its scenario stories (tests/HaWitness.Failover.Simulation), unchanged.
/// </summary>
public sealed partial class LeaderDuties
{
    private readonly ICommandLog _log;
    private readonly IMembership _membership;
    private readonly HostLeaseTracker _tracker;
    private readonly IJournalWriter _journal;
    private readonly LeaseOptions _lease;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HashSet<string> _suspected = new(StringComparer.Ordinal);
    private readonly VmPolicy _policy;
    private readonly Dictionary<(string Host, string Generation), long> _probationSince = [];
    private bool _quorumLost;

    /// <summary>Creates the duties.</summary>
    public LeaderDuties(ICommandLog log, IMembership membership, HostLeaseTracker tracker, IJournalWriter journal, LeaseOptions lease, VmPolicy policy, TimeProvider time, ILogger<LeaderDuties> logger)
    {
        _policy = policy;
        _log = log;
        _membership = membership;
        _tracker = tracker;
        _journal = journal;
        _lease = lease;
        _time = time;
        _logger = logger;
    }

    /// <summary>Hosts currently suspected (silent past SuspectAfterMs, not yet failed).</summary>
    public IReadOnlyCollection<string> Suspected
    {
        get
        {
            lock (_suspected)
            {
                return [.. _suspected];
            }
        }
    }

    /// <summary>Leadership was gained: forget local suspicions (the tracker starts over too).</summary>
    public void Reset()
    {
        lock (_suspected)
        {
            _suspected.Clear();
        }

        _probationSince.Clear();
        _quorumLost = false;
    }

    /// <summary>One pass. Call it every ~100 ms while leader.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var view = _log.View;
        var (voters, heard) = _tracker.Quorum();
        bool quorum = _tracker.HasHeartbeatQuorum;
        if (!quorum && !_quorumLost && voters > 1)
        {
            _quorumLost = true;
            _journal.RecordEvent("QuorumLost", Subjects.Cluster, $"hears {heard} of {voters} voters; a majority is {voters / 2 + 1}: no failover decisions until it is back");
            LogQuorum(_logger, false, heard, voters);
        }
        else if (quorum && _quorumLost)
        {
            _quorumLost = false;
            _journal.RecordEvent("QuorumRegained", Subjects.Cluster, $"hears {heard} of {voters} voters");
            LogQuorum(_logger, true, heard, voters);
        }

        foreach (var host in view.Hosts.Values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (host.Phase != HostPhase.Removed && !host.Voter && host.Generation != host.FailedGeneration)
            {
                // Not a voter (yet): it becomes one when heard; a new one never heard is dropped.
                await ProveMemberAsync(host, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (host.Phase == HostPhase.Active && !host.Maintenance)
            {
                await WatchActiveHostAsync(host, quorum, cancellationToken).ConfigureAwait(false);
            }

            if (host.Phase == HostPhase.Active && !host.Fenced)
            {
                await AdoptReportedVmsAsync(host, view, cancellationToken).ConfigureAwait(false);
            }
            else if (host.Phase == HostPhase.Failed && host.Voter && host.Generation == host.FailedGeneration)
            {
                // Only the incarnation that failed leaves; a re-registered generation stays a voter.
                await ShrinkVotersAsync(host, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WatchActiveHostAsync(HostEntry host, bool quorum, CancellationToken cancellationToken)
    {
        var report = _tracker.LastReport(host.Name);
        if (report is { SelfFenced: true } && report.Generation == host.Generation && quorum)
        {
            await FailAsync(host, "the agent reports it fenced itself (its VMs are off)", new JsonObject { ["selfFenced"] = true }, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_tracker.Silence(host.Name) is not { } silence)
        {
            return;
        }

        bool wasSuspected;
        lock (_suspected)
        {
            wasSuspected = _suspected.Contains(host.Name);
        }

        if (silence < TimeSpan.FromMilliseconds(_lease.SuspectAfterMs))
        {
            if (wasSuspected)
            {
                lock (_suspected)
                {
                    _suspected.Remove(host.Name);
                }

                _journal.RecordEvent("HostHeardAgain", Subjects.Host(host.Name), "heartbeats resumed", "suspect", "online");
            }

            return;
        }

        var last = _tracker.LastHeard(host.Name);
        var evidence = new JsonObject
        {
            ["silenceMs"] = (long)silence.TotalMilliseconds,
            ["lastHeartbeat"] = last?.ToString("O"),
            ["leaderSince"] = _tracker.LeaderSince?.ToString("O"),
            ["leaseMs"] = _lease.LeaseMs,
            ["heartbeatMs"] = _lease.HeartbeatMs,
        };
        if (!wasSuspected)
        {
            lock (_suspected)
            {
                _suspected.Add(host.Name);
            }

            var suspected = evidence.DeepClone().AsObject();
            suspected["summary"] = $"no heartbeat from {host.Name} for {(long)silence.TotalMilliseconds} ms (suspect after {_lease.SuspectAfterMs} ms; declared failed at {(long)LeaseMath.FailedAfter(_lease).TotalMilliseconds} ms with a majority)";
            _journal.Append(new NewDecision(DecisionKinds.HostSuspected, Subjects.Host(host.Name), Outcome.Decided, suspected));
            LogSuspected(_logger, host.Name, (long)silence.TotalMilliseconds);
        }

        var failedAfter = LeaseMath.FailedAfter(_lease);
        if (silence >= failedAfter && quorum)
        {
            evidence["failedAfterMs"] = (long)failedAfter.TotalMilliseconds;
            var (voters, heard) = _tracker.Quorum();
            evidence["voters"] = voters;
            evidence["heard"] = heard;
            await FailAsync(host, $"silent for {(long)silence.TotalMilliseconds} ms: its lease surely expired (bound {(long)failedAfter.TotalMilliseconds} ms)", evidence, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FailAsync(HostEntry host, string reason, JsonObject evidence, CancellationToken cancellationToken)
    {
        var commit = await _log.ProposeAsync(new HostFailed(host.Name, host.Generation, reason), cancellationToken).ConfigureAwait(false);
        evidence["index"] = commit.Index;
        evidence["generation"] = host.Generation;
        evidence["summary"] = commit.Result.Applied ? reason : $"{host.Name} was already failed ({reason})";
        _journal.Append(new NewDecision(DecisionKinds.HostFailed, Subjects.Host(host.Name),
            commit.Result.Applied ? Outcome.Succeeded : Outcome.NoOp, evidence));
        lock (_suspected)
        {
            _suspected.Remove(host.Name);
        }

        LogFailed(_logger, host.Name, reason, commit.Index);
    }

    /// <summary>VMs an agent reports that the state does not know yet become HA-protected by the default policy.</summary>
    private async Task AdoptReportedVmsAsync(HostEntry host, ClusterView view, CancellationToken cancellationToken)
    {
        if (_tracker.LastReport(host.Name) is not { } report || report.Generation != host.Generation)
        {
            return;
        }

        foreach (var vm in report.Vms.Where(v => !view.Vms.ContainsKey(v.Name) && HaWitness.Core.Configuration.Names.IsValidVmName(v.Name)))
        {
            // Its size as the hypervisor defines it, when the agent could tell (placement and
            // admission count it); the default policy's otherwise, or when the report is implausible.
            bool sized = vm.Cpus is > 0 and <= VmPolicy.MaxCpus && vm.MemoryMb is > 0 and <= VmPolicy.MaxMemoryMb;
            int cpus = sized ? vm.Cpus : _policy.Cpus;
            long memoryMb = sized ? vm.MemoryMb : _policy.MemoryMb;
            var commit = await _log.ProposeAsync(new AddVm(vm.Name, host.Name, vm.Running, _policy.Ha, _policy.Priority, cpus, memoryMb, vm.Definition), cancellationToken).ConfigureAwait(false);
            if (commit.Result.Applied)
            {
                _journal.Append(new NewDecision("VmAdopted", Subjects.Vm(vm.Name), Outcome.Succeeded, new JsonObject
                {
                    ["summary"] = $"{host.Name} reported {vm.Name} ({(vm.Running ? "running" : "off")}, {cpus} CPU, {memoryMb} MiB{(sized ? string.Empty : ": its size is the default policy's, the hypervisor did not tell")}); protected by the default policy: HA {(_policy.Ha ? "on" : "off")}, priority {_policy.Priority.ToString().ToLowerInvariant()}",
                    ["cpus"] = cpus,
                    ["memoryMb"] = memoryMb,
                    ["sizeFrom"] = sized ? "hypervisor" : "default policy",
                    ["host"] = host.Name,
                    ["running"] = vm.Running,
                    ["ha"] = _policy.Ha,
                    ["priority"] = _policy.Priority.ToString().ToLowerInvariant(),
                    ["epoch"] = commit.Index,
                }));
            }
        }
    }

    /// <summary>How long an admitted member has to be heard before it is dropped.</summary>
    public TimeSpan Probation => TimeSpan.FromMilliseconds(Math.Max(3000, LeaseMath.FailedAfter(_lease).TotalMilliseconds));

    /// <summary>
    /// A member votes only once it is heard: heartbeats of its current generation arriving, and its
    /// own registration applied (Raft caught up). One admitted but never heard within
    /// <see cref="Probation"/> is dropped from Raft, so joins that never show up cannot hold the
    /// majority hostage.
    /// </summary>
    private async Task ProveMemberAsync(HostEntry host, CancellationToken cancellationToken)
    {
        if (!IPEndPoint.TryParse(host.RaftEndpoint, out var ep) || _membership.IsOwnEndPoint(ep))
        {
            return;
        }

        var report = _tracker.LastReport(host.Name);
        bool heard = report is not null && report.Generation == host.Generation && report.AppliedIndex >= host.RegisteredAtIndex
            && _tracker.SinceReport(host.Name) < TimeSpan.FromMilliseconds(_lease.SuspectAfterMs);
        var key = (host.Name, host.Generation);
        if (heard)
        {
            if (!_membership.IsMember(ep))
            {
                bool added = await _membership.AddMemberAsync(ep, host.Identity, cancellationToken).ConfigureAwait(false);
                _membership.EndAdmission(ep); // the registration already binds the endpoint to its identity
                if (!added)
                {
                    return; // not caught up yet: next tick
                }
            }

            var commit = await _log.ProposeAsync(new SetHostVoter(host.Name, true), cancellationToken).ConfigureAwait(false);
            _probationSince.Remove(key);
            if (commit.Result.Applied)
            {
                _journal.Append(new NewDecision("VoterAdded", Subjects.Host(host.Name), Outcome.Succeeded, new JsonObject
                {
                    ["summary"] = $"{host.Name} is a voter: heard (generation {host.Generation}) and caught up to index {report!.AppliedIndex}",
                    ["generation"] = host.Generation,
                    ["appliedIndex"] = report.AppliedIndex,
                    ["registeredAtIndex"] = host.RegisteredAtIndex,
                    ["index"] = commit.Index,
                }));
                LogVoterAdded(_logger, host.Name);
            }

            return;
        }

        if (!host.Probation)
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (!_probationSince.TryGetValue(key, out long since))
        {
            _probationSince[key] = now;
            return;
        }

        if (_time.GetElapsedTime(since, now) < Probation)
        {
            return;
        }

        if (_membership.IsMember(ep) && !await _membership.RemoveMemberAsync(ep, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var dropped = await _log.ProposeAsync(new EndProbation(host.Name, host.Generation), cancellationToken).ConfigureAwait(false);
        _probationSince.Remove(key);
        if (dropped.Result.Applied)
        {
            var after = _log.View.Hosts.GetValueOrDefault(host.Name);
            _journal.Append(new NewDecision("MemberDropped", Subjects.Host(host.Name), Outcome.Succeeded, new JsonObject
            {
                ["summary"] = $"{host.Name} was admitted but not heard within {(long)Probation.TotalMilliseconds} ms: its Raft member {host.RaftEndpoint} was dropped" +
                    (after?.Phase == HostPhase.Removed ? " and its registration removed (it may join again)" : "; it stays a non-voter"),
                ["raftEndpoint"] = host.RaftEndpoint,
                ["generation"] = host.Generation,
                ["probationMs"] = (long)Probation.TotalMilliseconds,
                ["index"] = dropped.Index,
            }));
            LogMemberDropped(_logger, host.Name, host.RaftEndpoint);
        }
    }

    /// <summary>
    /// Dynamic quorum: a failed host leaves the voter set once it is surely off (fenced, or its
    /// lease-safety time passed), so sequential failures leave the witness plus one host able to decide.
    /// </summary>
    private async Task ShrinkVotersAsync(HostEntry host, CancellationToken cancellationToken)
    {
        bool off = host.Fenced || _tracker.IsSafeToAct(host.Name);
        if (!off || !IPEndPoint.TryParse(host.RaftEndpoint, out var ep) || _membership.IsOwnEndPoint(ep))
        {
            return;
        }

        if (await _membership.RemoveMemberAsync(ep, cancellationToken).ConfigureAwait(false))
        {
            var commit = await _log.ProposeAsync(new SetHostVoter(host.Name, false), cancellationToken).ConfigureAwait(false);
            _journal.Append(new NewDecision("VoterRemoved", Subjects.Host(host.Name), Outcome.Succeeded, new JsonObject
            {
                ["summary"] = $"{host.Name} left the voter set (dynamic quorum): {(host.Fenced ? "it is fenced" : "its lease-safety time passed")}",
                ["raftEndpoint"] = host.RaftEndpoint,
                ["fenced"] = host.Fenced,
                ["index"] = commit.Index,
                ["votersLeft"] = _log.View.Hosts.Values.Count(h => h.Voter && h.Phase != HostPhase.Removed) + 1,
            }));
            LogVoterRemoved(_logger, host.Name);
        }
    }

    [LoggerMessage(EventId = 2200, Level = LogLevel.Warning, Message = "Host {Name} suspected: silent for {SilenceMs} ms")]
    private static partial void LogSuspected(ILogger logger, string name, long silenceMs);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Host {Name} FAILED: {Reason} (committed at index {Index})")]
    private static partial void LogFailed(ILogger logger, string name, string reason, long index);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Host {Name} left the voter set (dynamic quorum)")]
    private static partial void LogVoterRemoved(ILogger logger, string name);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Information, Message = "Host {Name} is a voter (heard and caught up)")]
    private static partial void LogVoterAdded(ILogger logger, string name);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Warning, Message = "Host {Name} was never heard after its admission: Raft member {EndPoint} dropped")]
    private static partial void LogMemberDropped(ILogger logger, string name, string endPoint);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Heartbeat quorum {Has}: hears {Heard} of {Voters} voters")]
    private static partial void LogQuorum(ILogger logger, bool has, int heard, int voters);
}
