using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Journal;
using HaWitness.Failover.Placement;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>
    /// Second half of a move: a VM stopped on its owner (<c>BeginMove</c>) is assigned to its
    /// target once the owner reported, after applying the stop, that it no longer runs it.
    /// </summary>
    private async Task MoveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = _log.View;
        var candidates = new List<VmDemand>();
        var from = new Dictionary<string, string?>(StringComparer.Ordinal);
        bool planned = false;
        var giveUp = new List<string>();
        foreach (var vm in view.Vms.Values)
        {
            if (!vm.Moving || vm.Host is null || !view.Hosts.TryGetValue(vm.Host, out var h) || h.Phase != HostPhase.Active)
            {
                continue; // a moving VM of a failed host is restarted by RestartAsync
            }

            var report = _liveness.LastReport(vm.Host);
            if (report is null || report.AppliedIndex < vm.Epoch || Find(report, vm.Name) is { Running: true })
            {
                JournalOnce(VmRecord(vm.Name).Said, Topic.StopWait, FailoverKinds.StopVm, Subjects.Vm(vm.Name), Outcome.Decided,
                    $"waiting for {vm.Host} to report it stopped (epoch {vm.Epoch}) before starting it elsewhere");
                continue;
            }

            var avoid = new HashSet<string>(Avoided(vm.Name, now) ?? [], StringComparer.Ordinal) { vm.Host };
            if (vm.MoveTarget is null && Avoided(vm.Name, now) is { } failedOn && failedOn.Count >= _options.StartHosts)
            {
                giveUp.Add(vm.Name);
                from[vm.Name] = vm.Host;
                continue;
            }

            candidates.Add(PlacementInput.Demand(vm, avoid, vm.MoveTarget));
            from[vm.Name] = vm.Host;
            planned |= vm.MoveTarget is not null || h.Maintenance;
        }

        var placements = new List<VmPlacement>();
        foreach (var vm in giveUp)
        {
            placements.Add(new VmPlacement(vm, null, true));
            NotRestarted(vm, $"not restarted: its start failed on {string.Join(", ", Avoided(vm, now)!.Order(StringComparer.Ordinal))} (retried per policy)", now);
        }

        if (candidates.Count == 0 && placements.Count == 0)
        {
            return;
        }

        var plan = candidates.Count == 0 ? new PlacementPlan([], [])
            : PlacementPlanner.Plan(Request(view, candidates, planned ? PlacementPurpose.Planned : PlacementPurpose.Failover));
        var why = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in plan.Placed)
        {
            placements.Add(new VmPlacement(p.Vm, p.Host, true));
            why[p.Vm] = $"stopped on {from[p.Vm]}; {p.Why}";
            _vms.GetValueOrDefault(p.Vm)?.Said.Forget(Topic.StopWait);
        }

        foreach (var u in plan.NotPlaced)
        {
            placements.Add(new VmPlacement(u.Vm, null, true));
            NotRestarted(u.Vm, u.Reason, now);
        }

        await CommitPlacementsAsync(placements, why, from, "move", now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Empties hosts in maintenance: running VMs are stopped there and started on their planned
    /// target (<c>BeginMove</c>, then <see cref="MoveAsync"/>); stopped VMs are simply reassigned.
    /// A VM with nowhere to go keeps running where it is, and the journal says why.
    /// </summary>
    private async Task DrainMaintenanceAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = _log.View;
        foreach (var h in view.Hosts.Values)
        {
            if (h.Phase != HostPhase.Active || !h.Maintenance)
            {
                continue;
            }

            var vms = view.VmsOn(h.Name).Where(v => !v.Moving).OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
            if (vms.Count == 0)
            {
                continue;
            }

            var demands = vms.Select(v => PlacementInput.Demand(v, [h.Name]) with { DependsOn = [] }).ToList();
            var plan = PlacementPlanner.Plan(Request(view, demands, PlacementPurpose.Planned));
            var stopped = new List<VmPlacement>();
            foreach (var p in plan.Placed)
            {
                var vm = view.Vms[p.Vm];
                if (!vm.Run)
                {
                    stopped.Add(new VmPlacement(vm.Name, p.Host, false));
                    continue;
                }

                var commit = await ProposeAsync(new BeginMove(vm.Name, p.Host, $"maintenance of {h.Name}"), cancellationToken).ConfigureAwait(false);
                if (commit.Result.Applied)
                {
                    Journal(FailoverKinds.StopVm, Subjects.Vm(vm.Name), Outcome.Decided,
                        $"maintenance of {h.Name}: stop it there, then start it on {p.Host} ({p.Why})",
                        new JsonObject { ["epoch"] = commit.Index, ["from"] = h.Name, ["to"] = p.Host });
                }
            }

            foreach (var u in plan.NotPlaced)
            {
                JournalOnce(VmRecord(u.Vm).Said, Topic.Maintenance, DecisionKinds.Maintenance, Subjects.Vm(u.Vm), Outcome.Failed,
                    $"stays on {h.Name} despite its maintenance: {u.Reason}");
            }

            if (stopped.Count > 0)
            {
                var commit = await ProposeAsync(new AssignVms(stopped, $"maintenance of {h.Name}"), cancellationToken).ConfigureAwait(false);
                if (commit.Result.Applied)
                {
                    foreach (var p in stopped)
                    {
                        Journal(DecisionKinds.PlaceVm, Subjects.Vm(p.Name), Outcome.Succeeded,
                            $"maintenance of {h.Name}: reassigned (stopped) to {p.Host}, epoch {commit.Index}",
                            new JsonObject { ["epoch"] = commit.Index, ["from"] = h.Name, ["host"] = p.Host });
                    }
                }
            }
        }
    }
}
