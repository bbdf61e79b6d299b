using HaWitness.Cluster.State;

namespace HaWitness.Failover.Placement;

/// <summary>
/// Restart order: priority first (a VM inherits the highest priority of the VMs in the plan that
/// wait for it, so a high-priority VM is never stuck behind a low-priority dependency that got no
/// room), then dependencies before dependents, then bigger before smaller, then by name.
/// </summary>
internal static class RestartOrder
{
    /// <summary>Dependency chains deeper than this are treated as one level (and cycles end here).</summary>
    private const int MaxDepth = 64;

    public static List<VmDemand> Of(IReadOnlyList<VmDemand> vms, IReadOnlySet<string> running)
    {
        var index = new Dictionary<string, int>(vms.Count, StringComparer.Ordinal);
        for (int i = 0; i < vms.Count; i++)
        {
            index[vms[i].Name] = i;
        }

        var effective = new int[vms.Count];
        var level = new int[vms.Count];
        for (int i = 0; i < vms.Count; i++)
        {
            effective[i] = (int)vms[i].Priority;
        }

        // Raise dependencies to their dependents' priority and compute each VM's depth; a bounded
        // number of relaxation rounds also ends on a dependency cycle (its members simply share order).
        bool hasDeps = vms.Any(v => v.DependsOn.Count > 0);
        for (int round = 0; hasDeps && round < MaxDepth; round++)
        {
            bool changed = false;
            for (int i = 0; i < vms.Count; i++)
            {
                if (vms[i].Priority == VmPriority.Disabled)
                {
                    continue;
                }

                foreach (var dep in vms[i].DependsOn)
                {
                    if (running.Contains(dep) || !index.TryGetValue(dep, out int d) || vms[d].Priority == VmPriority.Disabled)
                    {
                        continue;
                    }

                    if (effective[d] < effective[i])
                    {
                        effective[d] = effective[i];
                        changed = true;
                    }

                    if (level[i] <= level[d] && level[d] < MaxDepth)
                    {
                        level[i] = level[d] + 1;
                        changed = true;
                    }
                }
            }

            if (!changed)
            {
                break;
            }
        }

        var order = Enumerable.Range(0, vms.Count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            int c = effective[b].CompareTo(effective[a]);
            if (c != 0)
            {
                return c;
            }

            c = level[a].CompareTo(level[b]);
            if (c != 0)
            {
                return c;
            }

            c = vms[b].MemoryMb.CompareTo(vms[a].MemoryMb);
            if (c != 0)
            {
                return c;
            }

            c = vms[b].Cpus.CompareTo(vms[a].Cpus);
            return c != 0 ? c : string.CompareOrdinal(vms[a].Name, vms[b].Name);
        });
        return [.. order.Select(i => vms[i])];
    }
}
