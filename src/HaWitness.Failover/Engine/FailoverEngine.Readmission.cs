using System.Text.Json.Nodes;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.State;
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
                if (_hosts.TryGetValue(h.Name, out var done))
                {
                    done.Grant = null;
                }

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
                JournalOnce(HostRecord(h.Name).Said, Topic.Readmit, FailoverKinds.ReadmitHost, Subjects.Host(h.Name), Outcome.Refused,
                    $"{h.Name} is back (generation {h.Generation}) but reports {string.Join(", ", stale)} running, which it no longer owns: it stays fenced until they are off");
                continue;
            }

            string evidence = $"{h.Name} came back with generation {h.Generation} (failed as {h.FailedGeneration}) and reports none of the moved VMs running";
            await ReadmitOneAsync(h, h.Generation, byOperator: false, evidence, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Grants the initiator again through the grant path (when a target is configured and the host
    /// was storage-fenced), then commits <c>ReadmitHost</c>. The path checks rule 4 against the
    /// committed state again, journals each try (<c>UnfenceHost</c> Decided, then Succeeded or
    /// Failed) and raises <c>GrantFailed</c> on a failed one; the engine tries again from its tick
    /// after <see cref="GrantPolicy.Backoff"/> while the host still qualifies.
    /// </summary>
    /// <returns>True once the host is admitted.</returns>
    private async Task<bool> ReadmitOneAsync(HostEntry h, string generation, bool byOperator, string evidence, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_fencer.IsConfigured)
        {
            var record = HostRecord(h.Name);
            var attempt = record.Grant ??= new GrantAttempt { NextAt = now };

            if (attempt.Task is null)
            {
                if (now < attempt.NextAt)
                {
                    return false;
                }

                attempt.Tries++;
                var request = GrantRequest.Readmission(h.Name, h.InitiatorIqn, new Rule4Warrant(generation, byOperator, evidence));
                attempt.Task = _grants.TryAsync(request, attempt.Tries, retried: true, cancellationToken);
                _ = attempt.Task.ContinueWith(static (_, s) => ((FailoverEngine)s!).Wake(), this,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            if (!attempt.Task.IsCompleted)
            {
                return false;
            }

            var granted = attempt.Task.IsCompletedSuccessfully ? attempt.Task.Result : null;
            attempt.Task = null;
            if (granted is not { Verified: true })
            {
                // Journaled and alarmed by the grant path; a cancelled try is simply tried again.
                attempt.NextAt = now + _grants.Policy.Backoff(attempt.Tries);
                return false;
            }

            record.Grant = null;
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
