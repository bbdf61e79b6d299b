namespace HaWitness.Failover.Simulation;

/// <summary>The simulated cluster's timings: the product's defaults (heartbeat 1 s, lease 5 s).</summary>
internal sealed record SimTimings
{
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A node "has a leader" when it heard from it this recently (2.5 heartbeats): what a peer
    /// answers to the isolation probe, and the window in which the appliance counts a voter as
    /// heard for its heartbeat quorum. Using one window for both keeps them consistent: when the
    /// peers say "no leader", the appliance has no quorum either.
    /// </summary>
    public TimeSpan LeaderFresh => Heartbeat * 2.5;

    /// <summary>ρ: bound on the clock-rate difference between machines.</summary>
    public double Drift { get; init; } = 0.01;

    /// <summary>δ: margin on top of the lease arithmetic.</summary>
    public TimeSpan Margin { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>T_off: an agent's bound for powering its VMs off when it self-fences.</summary>
    public int PowerOffBoundMs { get; init; } = 3000;

    /// <summary>When the appliance may act on a host it last heard at <paramref name="reference"/>.</summary>
    public DateTimeOffset SafeAfter(DateTimeOffset reference, int powerOffBoundMs) =>
        reference + (Lease * (1 + (2 * Drift))) + TimeSpan.FromMilliseconds(powerOffBoundMs) + Margin;
}
