using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Quorum;

/// <summary>How a VM an agent reports for the first time is protected (ApplianceOptions DefaultHa, DefaultPriority).</summary>
/// <param name="Ha">HA-protected or not.</param>
/// <param name="Priority">Restart priority.</param>
/// <param name="Cpus">CPUs assumed until a driver reports them.</param>
/// <param name="MemoryMb">Memory assumed until a driver reports it.</param>
public sealed record VmPolicy(bool Ha, VmPriority Priority, int Cpus = 1, long MemoryMb = 512)
{
    /// <summary>The most virtual CPUs a reported VM size may claim (more is implausible: the default is used).</summary>
    public const int MaxCpus = 4096;

    /// <summary>The most memory a reported VM size may claim, MiB (64 TiB, as a host at join).</summary>
    public const long MaxMemoryMb = 64L * 1024 * 1024;
}
