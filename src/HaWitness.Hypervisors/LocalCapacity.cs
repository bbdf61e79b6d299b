using System.Globalization;

namespace HaWitness.Hypervisors;

/// <summary>This machine's CPUs and memory, for drivers whose hypervisor does not report them (VIX, vmrun).</summary>
internal static class LocalCapacity
{
    public static HvResult<HostCapacity> Read(string meminfo = "/proc/meminfo")
    {
        try
        {
            foreach (string line in File.ReadLines(meminfo))
            {
                // "MemTotal:       24523412 kB"
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
                    {
                        return new HostCapacity(Environment.ProcessorCount, kib * 1024, meminfo);
                    }
                }
            }
        }
        catch (IOException ex)
        {
            return HvResult<HostCapacity>.Fail(HypervisorErrorKind.Failed, $"capacity: cannot read {meminfo}: {ex.Message}");
        }

        return HvResult<HostCapacity>.Fail(HypervisorErrorKind.Failed, $"capacity: no MemTotal in {meminfo}");
    }
}
