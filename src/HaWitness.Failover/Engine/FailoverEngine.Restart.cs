using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Alarms;
using HaWitness.Failover.Journal;
using HaWitness.Failover.Placement;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>
    /// Places the HA VMs of failed hosts that are fenced and whose lease surely expired, and every
    /// unplaced VM that wants to run (retried each tick, so returning capacity is used at once).
    /// A VM whose dependencies do not run yet stays where it is and is placed in a later tick.
    /// </summary>
    private async Task RestartAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = _log.View;
        var candidates = new List<VmDemand>();
        var from = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var h in view.Hosts.Values)
        {
            if (h.Phase != HostPhase.Failed || !h.Fenced)
            {
                continue;
            }

            var owned = view.VmsOn(h.Name).ToList();
            if (owned.Count == 0)
            {
                continue;
            }

            if (!SafeToAct(h, out string lease))
            {
                JournalOnce(HostRecord(h.Name).Said, Topic.LeaseWait, FailoverKinds.WaitLease, Subjects.Host(h.Name), Outcome.Decided,
                    $"{h.Name} is fenced; its VMs are placed once it has surely stopped them: {lease}", identity: "fenced wait");
                continue;
            }

            foreach (var vm in owned)
            {
                string? skip = !(vm.Run || vm.Moving) ? "it was not running"
                    : !vm.Ha ? "HA is off for it"
                    : vm.Priority == VmPriority.Disabled ? "its restart priority is disabled"
                    : null;
                if (skip is not null)
                {
                    JournalOnce(VmRecord(vm.Name).Said, Topic.NotRestarted, DecisionKinds.VmNotRestarted, Subjects.Vm(vm.Name), Outcome.NoOp,
                        $"not restarted: {skip} (its host {h.Name} failed)");
                    continue;
                }

                candidates.Add(PlacementInput.Demand(vm, Avoided(vm.Name, now)));
                from[vm.Name] = h.Name;
            }
        }

        foreach (var vm in view.Vms.Values)
        {
            if (vm.Host is null && vm.Run && vm.Ha && vm.Priority != VmPriority.Disabled)
            {
                var avoid = Avoided(vm.Name, now);
                if (avoid is not null && avoid.Count >= _options.StartHosts)
                {
                    NotRestarted(vm.Name, $"not restarted: its start failed on {string.Join(", ", avoid.Order(StringComparer.Ordinal))} (retried per policy)", now);
                    continue;
                }

                candidates.Add(PlacementInput.Demand(vm, avoid));
                from[vm.Name] = null;
            }
        }

        if (candidates.Count == 0)
        {
            return;
        }

        var plan = PlacementPlanner.Plan(Request(view, candidates, PlacementPurpose.Failover));
        var placements = new List<VmPlacement>();
        var placedWhy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in plan.Placed)
        {
            if (p.WaitFor.Count > 0)
            {
                JournalOnce(VmRecord(p.Vm).Said, Topic.NotRestarted, DecisionKinds.PlaceVm, Subjects.Vm(p.Vm), Outcome.Decided,
                    $"waits for {string.Join(", ", p.WaitFor)} to run before it starts (dependency)");
                continue;
            }

            placements.Add(new VmPlacement(p.Vm, p.Host, true));
            placedWhy[p.Vm] = p.Why;
        }

        foreach (var u in plan.NotPlaced)
        {
            var avoid = Avoided(u.Vm, now);
            string reason = avoid is { Count: > 0 } ? $"{u.Reason}; its start already failed on {string.Join(", ", avoid.Order(StringComparer.Ordinal))}" : u.Reason;
            if (from[u.Vm] is not null)
            {
                placements.Add(new VmPlacement(u.Vm, null, true));
            }

            NotRestarted(u.Vm, reason, now);
        }

        await CommitPlacementsAsync(placements, placedWhy, from, "failover", now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits placements in batches and journals each VM with its new epoch; opens a start watch for each.</summary>
    private async Task CommitPlacementsAsync(
        List<VmPlacement> placements,
        Dictionary<string, string> why,
        Dictionary<string, string?> from,
        string reason,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        for (int i = 0; i < placements.Count; i += _options.AssignBatch)
        {
            var batch = placements.GetRange(i, Math.Min(_options.AssignBatch, placements.Count - i));
            var commit = await ProposeAsync(new AssignVms(batch, reason), cancellationToken).ConfigureAwait(false);
            if (!commit.Result.Applied)
            {
                return; // the state moved under us; the next tick plans again from what it then is
            }

            foreach (var p in batch)
            {
                string? source = from.GetValueOrDefault(p.Name);
                if (p.Host is null)
                {
                    Journal(DecisionKinds.PlaceVm, Subjects.Vm(p.Name), Outcome.Failed,
                        $"unplaced (was on {source ?? "no host"}); it starts as soon as a host has room",
                        new JsonObject { ["epoch"] = commit.Index, ["from"] = source });
                    continue;
                }

                var record = VmRecord(p.Name);
                record.Said.Forget(Topic.NotRestarted);
                string text = $"placed on {p.Host} ({why.GetValueOrDefault(p.Name, reason)}), epoch {commit.Index}" + (source is null ? string.Empty : $", moved from {source}");
                Journal(DecisionKinds.PlaceVm, Subjects.Vm(p.Name), Outcome.Succeeded, text,
                    new JsonObject { ["epoch"] = commit.Index, ["host"] = p.Host, ["from"] = source, ["reason"] = reason });
                int tries = record.Start is { } old && old.Host == p.Host ? old.TriesOnHost + 1 : 1;
                record.Start = new StartWatch(p.Host, commit.Index, now + TimeSpan.FromMilliseconds(_options.StartTimeoutMs), tries);
                LogPlaced(_logger, p.Name, p.Host, commit.Index, source ?? "-");
            }
        }
    }

    private void NotRestarted(string vm, string reason, DateTimeOffset now)
    {
        if (!JournalOnce(VmRecord(vm).Said, Topic.NotRestarted, DecisionKinds.VmNotRestarted, Subjects.Vm(vm), Outcome.Failed, reason))
        {
            return;
        }

        LogNotRestarted(_logger, vm, reason);
        _alarms.Raise(new Alarm(AlarmKind.VmNotRestarted, Subjects.Vm(vm), $"VM {vm} {reason}", _time.GetUtcNow()));
    }

    private PlacementRequest Request(ClusterView view, List<VmDemand> vms, PlacementPurpose purpose)
    {
        var running = new HashSet<string>(StringComparer.Ordinal);
        var pending = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vm in view.Vms.Values)
        {
            if (IsRunning(view, vm))
            {
                running.Add(vm.Name);
            }
            else if ((vm.Run || vm.Moving) && WillRun(view, vm))
            {
                pending.Add(vm.Name);
            }
        }

        return new PlacementRequest
        {
            Hosts = PlacementInput.Hosts(view, Unavailable),
            Vms = vms,
            Placed = PlacementInput.Placed(view),
            Running = running,
            Pending = pending,
            Rules = [.. view.Rules.Values.OrderBy(r => r.Name, StringComparer.Ordinal)],
            Purpose = purpose,
            ReserveHostFailures = _options.ReserveHostFailures,
            CpuOvercommit = _options.CpuOvercommit,
        };
    }

    /// <summary>Whether a wanted VM that is not running will be (re)started: on an active host, or HA-protected.</summary>
    private static bool WillRun(ClusterView view, VmEntry vm) =>
        (vm.Host is not null && view.Hosts.TryGetValue(vm.Host, out var h) && h.Phase == HostPhase.Active)
        || (vm.Ha && vm.Priority != VmPriority.Disabled);

    /// <summary>An active host we have not heard from lately takes no VM.</summary>
    private string? Unavailable(string host)
    {
        var report = _liveness.LastReport(host);
        return report is null ? "not heard from since this appliance became leader"
            : _liveness.SinceReport(host) is not { } age || age > TimeSpan.FromMilliseconds(_lease.SuspectAfterMs) ? "silent"
            : report.SelfFenced ? "self-fenced"
            : null;
    }

    /// <summary>Whether the owner's report shows the VM running at its current epoch.</summary>
    private bool IsRunning(ClusterView view, VmEntry vm)
    {
        if (vm.Host is null || !vm.Run || !view.Hosts.TryGetValue(vm.Host, out var h) || h.Phase != HostPhase.Active)
        {
            return false;
        }

        var report = _liveness.LastReport(vm.Host);
        if (report is null || report.AppliedIndex < vm.Epoch)
        {
            return false;
        }

        var rv = Find(report, vm.Name);
        return rv is { Running: true } && rv.Epoch == vm.Epoch;
    }

    private IReadOnlyCollection<string>? Avoided(string vm, DateTimeOffset now) =>
        _vms.TryGetValue(vm, out var record) ? record.Avoided(now) : null;
}
