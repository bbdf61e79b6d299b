namespace HaWitness.Hypervisors;

/// <summary>What a host offers to VMs.</summary>
/// <param name="Cpus">Logical CPUs.</param>
/// <param name="MemoryBytes">Physical memory in bytes.</param>
/// <param name="Source">Where the figures come from (e.g. <c>virNodeGetInfo</c>, <c>/proc/meminfo</c>, <c>sim</c>).</param>
public sealed record HostCapacity(int Cpus, long MemoryBytes, string Source)
{
    /// <summary>Memory in MiB, for logs and the status page.</summary>
    public long MemoryMiB => MemoryBytes / (1024 * 1024);
}
