using HaWitness.Cluster.State;

namespace HaWitness.Failover.Placement;

/// <summary>Builds planner inputs from the committed state.</summary>
internal static class PlacementInput
{
    /// <summary>
    /// Every host that is not removed, with the load of the VMs it owns that run or want to run,
    /// and why it is ineligible: failed, fenced, in maintenance, or (<paramref name="unavailable"/>)
    /// not heard from.
    /// </summary>
    public static List<HostSlot> Hosts(ClusterView view, Func<string, string?>? unavailable = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        var cpu = new Dictionary<string, int>(StringComparer.Ordinal);
        var mem = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var vm in view.Vms.Values)
        {
            if (vm.Host is not null && (vm.Run || vm.Moving))
            {
                cpu[vm.Host] = cpu.GetValueOrDefault(vm.Host) + vm.Cpus;
                mem[vm.Host] = mem.GetValueOrDefault(vm.Host) + vm.MemoryMb;
            }
        }

        var hosts = new List<HostSlot>(view.Hosts.Count);
        foreach (var h in view.Hosts.Values.OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            if (h.Phase == HostPhase.Removed)
            {
                continue;
            }

            string? why = h.Phase == HostPhase.Failed ? "failed"
                : h.Fenced ? "fenced"
                : h.Maintenance ? "in maintenance"
                : unavailable?.Invoke(h.Name);
            hosts.Add(new HostSlot(h.Name, h.Cpus, h.MemoryMb, cpu.GetValueOrDefault(h.Name), mem.GetValueOrDefault(h.Name), why, h.Spare));
        }

        return hosts;
    }

    /// <summary>The demand of one VM.</summary>
    public static VmDemand Demand(VmEntry vm, IReadOnlyCollection<string>? avoid = null, string? required = null) =>
        new(vm.Name, vm.Cpus, vm.MemoryMb, vm.Priority, vm.DependsOn, avoid, required);

    /// <summary>Where every placed VM is (rules need the VMs that are not moving too).</summary>
    public static Dictionary<string, string> Placed(ClusterView view)
    {
        var placed = new Dictionary<string, string>(view.Vms.Count, StringComparer.Ordinal);
        foreach (var vm in view.Vms.Values)
        {
            if (vm.Host is not null)
            {
                placed[vm.Name] = vm.Host;
            }
        }

        return placed;
    }
}
