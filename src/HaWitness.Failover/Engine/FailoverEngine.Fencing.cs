using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Failover.Alarms;
using HaWitness.Failover.Journal;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>
    /// For every failed, not yet fenced host: fence it at the storage target and commit
    /// <c>HostFenced</c> once the target verified it (retrying with backoff and raising an alarm on
    /// every failed try). With no target configured the host is declared fenced by its lease alone,
    /// once the lease surely expired, and the journal and logs say so in plain words.
    /// </summary>
    private async Task FenceAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = _log.View;
        foreach (var h in view.Hosts.Values)
        {
            if (h.Phase != HostPhase.Failed || h.Fenced)
            {
                if (_hosts.TryGetValue(h.Name, out var done))
                {
                    done.Fence = null;
                }

                continue;
            }

            var record = HostRecord(h.Name);
            if (record.AlarmedFailure != h.FailedAtIndex)
            {
                record.AlarmedFailure = h.FailedAtIndex;
                // The leader's duties (the only failure detector) committed HostFailed; the alarm is raised here, once.
                _alarms.Raise(new Alarm(AlarmKind.HostFailed, Subjects.Host(h.Name), $"host {h.Name} failed: {h.FailedReason ?? "declared by the leader"} (committed at index {h.FailedAtIndex}); fencing it", _time.GetUtcNow()));
            }

            if (!_fencer.IsConfigured)
            {
                await DeclareLeaseFenceAsync(h, now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var attempt = record.Fence ??= new FenceAttempt { NextAt = now };

            if (attempt.Task is null && attempt.Verified is null)
            {
                if (now < attempt.NextAt)
                {
                    continue;
                }

                attempt.Tries++;
                Journal(DecisionKinds.FenceHost, Subjects.Host(h.Name), Outcome.Decided,
                    $"fence {h.Name} at the storage target (try {attempt.Tries}): revoke {h.InitiatorIqn}, drop its sessions, verify",
                    new JsonObject { ["initiator"] = h.InitiatorIqn, ["try"] = attempt.Tries, ["failedAtIndex"] = h.FailedAtIndex });
                attempt.Task = _fencer.FenceAsync(new FenceRequest(h.Name, h.InitiatorIqn, $"HostFailed committed at index {h.FailedAtIndex}"), cancellationToken);
                _ = attempt.Task.ContinueWith(static (_, s) => ((FailoverEngine)s!).Wake(), this,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            if (attempt.Task is { IsCompleted: false })
            {
                continue;
            }

            var outcome = attempt.Verified ?? Result(attempt.Task!);
            attempt.Task = null;
            if (outcome.Verified)
            {
                attempt.Verified = outcome;
                var commit = await ProposeAsync(new HostFenced(h.Name, true, outcome.Summary), cancellationToken).ConfigureAwait(false);
                var evidence = outcome.Evidence.DeepClone().AsObject();
                evidence["index"] = commit.Index;
                evidence["storageFence"] = "verified";
                Journal(DecisionKinds.FenceHost, Subjects.Host(h.Name), Outcome.Succeeded,
                    $"{h.Name} is cut off the storage (verified): {outcome.Summary}", evidence);
                LogFenced(_logger, h.Name, outcome.Summary);
                record.Fence = null;
                continue;
            }

            var wait = _grants.Policy.Backoff(attempt.Tries); // the same doubling pauses (FenceRetryMs..FenceRetryMaxMs)
            attempt.NextAt = now + wait;
            string why = $"fence of {h.Name} not verified (try {attempt.Tries}): {outcome.Error ?? outcome.Summary}; its VMs stay down until it is, next try in {Seconds(wait)}";
            var failed = outcome.Evidence.DeepClone().AsObject();
            failed["error"] = outcome.Error;
            Journal(DecisionKinds.FenceHost, Subjects.Host(h.Name), Outcome.Failed, why, failed);
            LogFenceFailed(_logger, h.Name, attempt.Tries, outcome.Error ?? outcome.Summary);
            _alarms.Raise(new Alarm(AlarmKind.FenceFailed, Subjects.Host(h.Name), why, _time.GetUtcNow()));
        }
    }

    private async Task DeclareLeaseFenceAsync(HostEntry h, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!SafeToAct(h, out string lease))
        {
            JournalOnce(HostRecord(h.Name).Said, Topic.LeaseWait, FailoverKinds.WaitLease, Subjects.Host(h.Name), Outcome.Decided,
                $"LEASE ONLY (no storage target configured): waiting before declaring {h.Name} fenced: {lease}", identity: "lease-only wait");
            return;
        }

        string evidenceText = $"LEASE ONLY: no storage target is configured, so {h.Name} is not cut off its disks; it is declared fenced because {lease}. If it still runs, nothing but its own self-fence keeps it from writing.";
        var commit = await ProposeAsync(new HostFenced(h.Name, false, evidenceText), cancellationToken).ConfigureAwait(false);
        Journal(DecisionKinds.FenceHost, Subjects.Host(h.Name), Outcome.Succeeded, evidenceText,
            new JsonObject { ["index"] = commit.Index, ["storageFence"] = "none: lease only" });
        LogLeaseOnlyFence(_logger, h.Name, lease);
    }

    /// <summary>
    /// Whether the failed host has surely stopped its VMs: its lease surely expired on our clock,
    /// or its agent reported (after applying <c>HostFailed</c>) that it runs none.
    /// </summary>
    private bool SafeToAct(HostEntry h, out string evidence)
    {
        var report = _liveness.LastReport(h.Name);
        var view = _log.View;
        if (report is not null && h.FailedAtIndex > 0 && report.AppliedIndex >= h.FailedAtIndex
            && !report.Vms.Any(v => v.Running && (!view.Vms.TryGetValue(v.Name, out var e) || e.Host != h.Name || e.Ha)))
        {
            evidence = $"its agent applied HostFailed (index {h.FailedAtIndex}) and reported at {At(report.ReceivedAt)} that it runs none of the VMs to move";
            return true;
        }

        var at = _liveness.SafeToActAt(h.Name);
        if (at is null)
        {
            evidence = "no heartbeat quorum: the appliance may not act";
            return false;
        }

        // Decided on the monotonic clock; the wall-clock instant is only what the journal shows.
        var left = _liveness.UntilSafeToAct(h.Name);
        bool safe = left == TimeSpan.Zero;
        evidence = safe ? $"its lease surely expired at {At(at.Value)}" : $"its lease surely expires at {At(at.Value)}";
        if (left is { } due && !safe)
        {
            DueIn(due);
        }

        return safe;
    }

    private static FenceOutcome Result(Task<FenceOutcome> task) =>
        task.IsCompletedSuccessfully
            ? task.Result
            : new FenceOutcome(false, false, "fence did not complete", [],
                task.Exception?.GetBaseException().Message ?? "cancelled");
}
