using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Quorum;

/// <summary>How a VM an agent reports for the first time is protected (ApplianceOptions DefaultHa, DefaultPriority).</summary>
/// <param name="Ha">HA-protected or not.</param>
/// <param name="Priority">Restart priority.</param>
/// <param name="Cpus">CPUs assumed until a driver reports them.</param>
/// <param name="MemoryMb">Memory assumed until a driver reports it.</param>
public sealed record VmPolicy(bool Ha, VmPriority Priority, int Cpus = 1, long MemoryMb = 512);
