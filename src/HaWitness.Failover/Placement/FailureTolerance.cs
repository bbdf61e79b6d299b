namespace HaWitness.Failover.Placement;

/// <summary>
/// "Can tolerate k host failures": the largest k such that, with the k biggest eligible hosts gone
/// (biggest by CPU for the CPU check, by memory for the memory check), the rest still hold every VM
/// that wants to run. An aggregate check (it ignores how VMs split across hosts), the way vSphere's
/// percentage-based admission control counts; the planner decides the real placement.
/// </summary>
internal static class FailureTolerance
{
    /// <summary>Computes k from the eligible hosts' capacities and the total demand.</summary>
    public static int Compute(IReadOnlyList<HostSlot> hosts, double cpuOvercommit = 1.0)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var eligible = hosts.Where(h => h.Ineligible is null).ToList();
        if (eligible.Count == 0)
        {
            return 0;
        }

        long demandCpu = hosts.Sum(h => h.UsedCpus * 1000L);
        long demandMem = hosts.Sum(h => h.UsedMemoryMb);
        var cpus = eligible.Select(h => (long)Math.Floor(h.Cpus * 1000.0 * cpuOvercommit)).OrderBy(c => c).ToList();
        var mems = eligible.Select(h => h.MemoryMb).OrderBy(m => m).ToList();
        long cpuLeft = cpus.Sum();
        long memLeft = mems.Sum();
        if (cpuLeft < demandCpu || memLeft < demandMem)
        {
            return 0;
        }

        int k = 0;
        for (int i = eligible.Count - 1; i >= 1; i--)
        {
            cpuLeft -= cpus[i];
            memLeft -= mems[i];
            if (cpuLeft < demandCpu || memLeft < demandMem)
            {
                break;
            }

            k++;
        }

        return k;
    }
}
