using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Alarms;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>
    /// A host whose agent has been silent for <see cref="FailoverOptions.SuspectAfterMs"/> (counted
    /// from the last heartbeat received, or from the start of this leadership) is declared failed:
    /// <c>HostFailed</c> is committed, then the storage fence goes up. Hosts in maintenance are not
    /// failed over (their VMs were moved away).
    /// </summary>
    private async Task DetectAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = _log.View;
        foreach (var h in view.Hosts.Values)
        {
            if (h.Phase != HostPhase.Active || h.Maintenance)
            {
                continue;
            }

            var report = _liveness.LastReport(h.Name);
            var since = _quorumSince > _leaderSince ? _quorumSince : _leaderSince;
            if (report is not null && report.ReceivedAt > since)
            {
                since = report.ReceivedAt;
            }

            var silent = now - since;
            if (silent < TimeSpan.FromMilliseconds(_options.SuspectAfterMs))
            {
                continue;
            }

            string reason = report is null
                ? $"no heartbeat from {h.Name} for {Seconds(silent)} (none since this appliance became leader or regained quorum at {At(since)})"
                : $"no heartbeat from {h.Name} for {Seconds(silent)} (last received at {At(report.ReceivedAt)}, generation {report.Generation})";
            var commit = await ProposeAsync(new HostFailed(h.Name, h.Generation, reason), cancellationToken).ConfigureAwait(false);
            if (!commit.Result.Applied)
            {
                continue;
            }

            var evidence = new JsonObject
            {
                ["index"] = commit.Index,
                ["generation"] = h.Generation,
                ["silentMs"] = (long)silent.TotalMilliseconds,
                ["lastHeartbeat"] = report?.ReceivedAt.ToString("O"),
                ["vms"] = new JsonArray([.. view.VmsOn(h.Name).Select(v => v.Name).Order(StringComparer.Ordinal).Select(n => (JsonNode?)n)]),
            };
            Journal(Core.Journal.DecisionKinds.HostFailed, Subjects.Host(h.Name), Outcome.Decided, reason, evidence);
            LogHostFailed(_logger, h.Name, reason, commit.Index);
            _alarms.Raise(new Alarm(AlarmKind.HostFailed, Subjects.Host(h.Name), $"host {h.Name} failed: {reason}", now));
        }
    }
}
