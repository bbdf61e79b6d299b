using HaWitness.Cluster.State;

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
    /// run runs on its committed owner at its committed epoch, unless no host could take it. That
    /// exception is judged here, independently of the placement planner (which could share a bug
    /// with the engine): a VM is owed a host when one live, active, unfenced host outside
    /// maintenance has room for it alone next to what is committed there, its hard rules allow
    /// it there, and none of the VMs it depends on is itself still waiting.
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

        var waitingNames = waiting.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var vm in waiting)
        {
            if (vm.DependsOn.Any(waitingNames.Contains))
            {
                continue; // it starts after what it depends on, which is judged on its own
            }

            if (RoomFor(view, vm) is { } host)
            {
                Fail($"progress ({phase}): HA VM {vm.Name} is not running (owner {vm.Host ?? "none"}, epoch {vm.Epoch}, run {vm.Run}, moving {vm.Moving}) though {host} has room for it; {waiting.Count} waiting in all");
                return;
            }
        }
    }

    /// <summary>A host that could run <paramref name="vm"/> now (see <see cref="CheckProgress"/>), or null.</summary>
    private string? RoomFor(ClusterView view, VmEntry vm)
    {
        foreach (var h in view.Hosts.Values.OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            if (h.Phase != HostPhase.Active || h.Fenced || h.Maintenance || Agent(h.Name) is not { Up: true })
            {
                continue;
            }

            var here = view.Vms.Values.Where(v => v.Host == h.Name && (v.Run || v.Moving) && v.Name != vm.Name).ToList();
            long cpuRoom = (long)Math.Floor(h.Cpus * 1000.0 * Math.Max(Options.CpuOvercommit, 0.01)) - here.Sum(v => v.Cpus * 1000L);
            long memRoom = h.MemoryMb - here.Sum(v => v.MemoryMb);
            if (cpuRoom < vm.Cpus * 1000L || memRoom < vm.MemoryMb)
            {
                continue;
            }

            bool allowed = true;
            foreach (var rule in view.Rules.Values.Where(r => r.Vms.Contains(vm.Name)))
            {
                var others = rule.Vms.Where(n => n != vm.Name && view.Vms.TryGetValue(n, out var o) && o.Host is not null).Select(n => view.Vms[n].Host);
                allowed &= rule.Kind switch
                {
                    PlacementRuleKind.KeepApart => !others.Contains(h.Name),
                    PlacementRuleKind.KeepTogether => others.All(o => o == h.Name),
                    _ => true,
                };
            }

            if (allowed)
            {
                return h.Name;
            }
        }

        return null;
    }
}
