using System.Text.Json.Nodes;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Alarms;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>
    /// The leader's failure detector, with the bounds of <see cref="LeaseMath"/> (the same as the
    /// appliance's leader duties): a host silent for <see cref="LeaseMath.FailedAfter"/> (counted
    /// from its last heartbeat, this leadership's start or the moment the heartbeat quorum came
    /// back, whichever is latest: after a quorum loss every host gets a full heartbeat period to be
    /// heard again) or whose agent reports that it fenced itself is declared failed. Hosts in
    /// maintenance are not failed over (their VMs were moved away).
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
            if (report is not null && _liveness.SinceReport(h.Name) is { } age && now - age > since)
            {
                since = now - age; // its receipt, on our monotonic clock
            }

            var silent = now - since;
            bool selfFenced = report is { SelfFenced: true } && report.Generation == h.Generation;
            if (silent < LeaseMath.FailedAfter(_lease) && !selfFenced)
            {
                continue;
            }

            string reason = selfFenced ? $"the agent of {h.Name} reports that it fenced itself (its VMs are off)"
                : report is null
                ? $"no heartbeat from {h.Name} for {Seconds(silent)} (none since this appliance became leader or regained quorum at {At(Wall(since))})"
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
            _alarms.Raise(new Alarm(AlarmKind.HostFailed, Subjects.Host(h.Name), $"host {h.Name} failed: {reason}", _time.GetUtcNow()));
        }
    }
}
