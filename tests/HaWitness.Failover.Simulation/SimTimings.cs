using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Simulation;

/// <summary>The simulated cluster's timings: the product's defaults (<see cref="LeaseOptions"/>: heartbeat 0.5 s, lease 2.5 s); T_off 3 s (a real hypervisor's, <see cref="PowerOffBounds.HypervisorMs"/>).</summary>
internal sealed record SimTimings
{
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(100);

    public LeaseOptions Lease { get; init; } = new();

    /// <summary>Default T_off: an agent's bound for powering its VMs off when it self-fences.</summary>
    public int PowerOffBoundMs { get; init; } = PowerOffBounds.HypervisorMs;
}
