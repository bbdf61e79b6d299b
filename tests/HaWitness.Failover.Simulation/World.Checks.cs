using HaWitness.Cluster.State;
using HaWitness.Failover.Placement;

namespace HaWitness.Failover.Simulation;

internal sealed partial class World
{
    /// <summary>The first violation seen (the run stops there), or null.</summary>
    public string? Violation { get; private set; }

    public void Fail(string violation)
    {
        if (Violation is null)
        {
            Violation = $"t={Seconds:0.0}s: {violation}";
            Trace("VIOLATION " + violation);
        }
    }

    /// <summary>Safety, after every step: no VM is powered on on two hosts that can both write its disk.</summary>
    private void CheckSafety()
    {
        Dictionary<string, string>? writer = null;
        foreach (var a in _agents.Values)
        {
            if (!a.Up || !Target.CanWrite(a.Iqn))
            {
                continue;
            }

            foreach (var (vm, epoch) in a.PoweredOn)
            {
                writer ??= new Dictionary<string, string>(StringComparer.Ordinal);
                if (writer.TryGetValue(vm, out var other))
                {
                    Fail($"safety: VM {vm} is powered on on {other} and on {a.Name} (epoch {epoch}), and both can write its disk");
                    return;
                }

                writer[vm] = a.Name;
            }
        }
    }

    /// <summary>
    /// Safety, at every start: never for a stale epoch, i.e. one the committed state has since
    /// superseded by giving the VM to another host (or to none). An agent that lags behind the log
    /// by entries that keep the VM its own (a stop, a retry) starts it for the epoch it applied,
    /// as rule 5 allows: no other host can have it until this one reported it stopped.
    /// </summary>
    public void CheckStart(SimAgent agent, string vm, long epoch)
    {
        if (Log.View.Vms.TryGetValue(vm, out var committed) && committed.Epoch > epoch && committed.Host != agent.Name)
        {
            Fail($"safety: {agent.Name} starts {vm} for epoch {epoch}, but the committed epoch is {committed.Epoch} (owner {committed.Host ?? "none"})");
        }
    }

    /// <summary>Safety, at every grant and re-admission: the host runs nothing it does not own at the current epoch.</summary>
    public void CheckReadmission(string host, string when)
    {
        var agent = Agent(host);
        if (agent is null || !agent.Up)
        {
            return;
        }

        var view = Log.View;
        foreach (var (vm, epoch) in agent.PoweredOn)
        {
            if (!view.Vms.TryGetValue(vm, out var e) || e.Host != host || e.Epoch != epoch)
            {
                Fail($"safety: {when} for {host} while it runs {vm} at epoch {epoch} (committed: {e?.Host ?? "none"} at {e?.Epoch}): a stale writer re-admitted");
                return;
            }
        }
    }

    /// <summary>
    /// Progress, after the calm phase, when the appliance has a quorum: every HA VM that wants to
    /// run runs on its committed owner at its committed epoch, unless the planner confirms that no
    /// eligible host has room for it.
    /// </summary>
    public void CheckProgress(string phase)
    {
        if (Violation is not null)
        {
            return;
        }

        if (!ApplianceUp)
        {
            Fail($"progress ({phase}): the appliance is down");
            return;
        }

        if (!ApplianceReachesMajority() || Liveness is not { HasHeartbeatQuorum: true })
        {
            // No quorum (e.g. two of three hosts died before the first could be fenced and leave
            // the voter set): nothing may be decided, so no progress is owed.
            return;
        }

        var view = Log.View;
        var waiting = new List<VmEntry>();
        foreach (var vm in view.Vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            bool wanted = (vm.Run || vm.Moving || vm.Host is null) && vm.Ha && vm.Priority != VmPriority.Disabled;
            if (vm.Host is null && !vm.Run)
            {
                wanted = false;
            }

            if (!wanted)
            {
                continue;
            }

            var owner = vm.Host is null ? null : Agent(vm.Host);
            var ownerEntry = vm.Host is null ? null : view.Hosts[vm.Host];
            bool ok = owner is { Up: true } && ownerEntry is { Phase: HostPhase.Active } && vm.Run
                && owner.IsRunning(vm.Name) && owner.PoweredOn.Any(p => p.Vm == vm.Name && p.Epoch == vm.Epoch);
            if (!ok)
            {
                waiting.Add(vm);
            }
        }

        if (waiting.Count == 0)
        {
            return;
        }

        // Those still waiting must be the ones no eligible, live host has room for.
        var hosts = PlacementInput.Hosts(view, h => Agent(h) is { Up: true } ? null : "down");
        var plan = PlacementPlanner.Plan(new PlacementRequest
        {
            Hosts = hosts,
            Vms = [.. waiting.Select(v => PlacementInput.Demand(v))],
            Placed = PlacementInput.Placed(view),
            Rules = [.. view.Rules.Values],
            CpuOvercommit = Options.CpuOvercommit,
        });
        var placeable = plan.Placed.Select(p => p.Vm).ToList();
        if (placeable.Count > 0)
        {
            var vm = view.Vms[placeable[0]];
            Fail($"progress ({phase}): {placeable.Count} HA VM(s) not running though a host has room, e.g. {vm.Name} (owner {vm.Host ?? "none"}, epoch {vm.Epoch}, run {vm.Run}, moving {vm.Moving}); planner would put it on {plan.Placed[0].Host}");
        }
    }
}
