using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Failover.Journal;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>
    /// ARCHITECTURE rule 4: a fenced host is admitted again only when its agent came back with a
    /// generation other than the one that failed and its report shows none of the VMs that were
    /// moved away (or that now belong to anyone else) running there. Its initiator is granted
    /// again first (verified), then <c>ReadmitHost</c> is committed; both steps can be repeated.
    /// </summary>
    private async Task ReadmitAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = _log.View;
        foreach (var h in view.Hosts.Values)
        {
            if (h.Phase != HostPhase.Failed || !h.Fenced)
            {
                _unfences.Remove(h.Name);
                continue;
            }

            if (string.Equals(h.Generation, h.FailedGeneration, StringComparison.Ordinal))
            {
                continue; // still the generation that failed: a stale writer is never re-admitted
            }

            var report = _liveness.LastReport(h.Name);
            if (report is null || !string.Equals(report.Generation, h.Generation, StringComparison.Ordinal))
            {
                continue;
            }

            var stale = report.Vms
                .Where(v => v.Running && (!view.Vms.TryGetValue(v.Name, out var e) || e.Host != h.Name || e.Epoch != v.Epoch || !e.Run))
                .Select(v => v.Name).Order(StringComparer.Ordinal).ToList();
            if (stale.Count > 0)
            {
                JournalOnce("readmit:" + h.Name, FailoverKinds.ReadmitHost, Subjects.Host(h.Name), Outcome.Refused,
                    $"{h.Name} is back (generation {h.Generation}) but reports {string.Join(", ", stale)} running, which it no longer owns: it stays fenced until they are off");
                continue;
            }

            string evidence = $"{h.Name} came back with generation {h.Generation} (failed as {h.FailedGeneration}) and reports none of the moved VMs running";
            await ReadmitOneAsync(h, h.Generation, byOperator: false, evidence, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Unfences (when a target is configured and the host was storage-fenced) and commits <c>ReadmitHost</c>.</summary>
    /// <returns>True once the host is admitted.</returns>
    private async Task<bool> ReadmitOneAsync(HostEntry h, string generation, bool byOperator, string evidence, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_fencer.IsConfigured)
        {
            if (!_unfences.TryGetValue(h.Name, out var attempt))
            {
                _unfences[h.Name] = attempt = new FenceAttempt { NextAt = now };
            }

            if (attempt.Task is null)
            {
                if (now < attempt.NextAt)
                {
                    return false;
                }

                attempt.Tries++;
                attempt.Task = _fencer.UnfenceAsync(new FenceRequest(h.Name, h.InitiatorIqn, "re-admission: " + evidence), cancellationToken);
                _ = attempt.Task.ContinueWith(static (_, s) => ((FailoverEngine)s!).Wake(), this,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            if (!attempt.Task.IsCompleted)
            {
                return false;
            }

            var outcome = Result(attempt.Task);
            attempt.Task = null;
            if (!outcome.Verified)
            {
                attempt.NextAt = now + TimeSpan.FromMilliseconds(Math.Min(_options.FenceRetryMaxMs, _options.FenceRetryMs * Math.Pow(2, Math.Min(attempt.Tries - 1, 16))));
                Journal(DecisionKinds.UnfenceHost, Subjects.Host(h.Name), Outcome.Failed,
                    $"granting {h.InitiatorIqn} again was not verified: {outcome.Error ?? outcome.Summary}", outcome.Evidence.DeepClone().AsObject());
                return false;
            }

            Journal(DecisionKinds.UnfenceHost, Subjects.Host(h.Name), Outcome.Succeeded,
                $"{h.InitiatorIqn} granted again (verified): {outcome.Summary}", outcome.Evidence.DeepClone().AsObject());
            _unfences.Remove(h.Name);
        }

        var commit = await ProposeAsync(new ReadmitHost(h.Name, generation, byOperator, evidence), cancellationToken).ConfigureAwait(false);
        Journal(FailoverKinds.ReadmitHost, Subjects.Host(h.Name), commit.Result.Applied ? Outcome.Succeeded : Outcome.Refused,
            commit.Result.Applied ? $"re-admitted: {evidence}" : $"re-admission refused: {commit.Result.Reason}",
            new JsonObject { ["index"] = commit.Index, ["generation"] = generation, ["byOperator"] = byOperator });
        if (commit.Result.Applied)
        {
            LogReadmitted(_logger, h.Name, generation, byOperator);
        }

        return commit.Result.Applied;
    }
}
