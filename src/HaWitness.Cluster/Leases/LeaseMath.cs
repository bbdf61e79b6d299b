using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Leases;

/// <summary>
/// The lease arithmetic (docs/quorum.md derives each bound). Every machine's clock runs at a
/// rate within [1-ρ, 1+ρ] of real time; an interval measured on one clock is converted to a safe
/// interval on another by <see cref="Stretch"/> = (1+ρ)/(1-ρ) (longer) or its inverse (shorter).
/// </summary>
public static class LeaseMath
{
    /// <summary>(1+ρ)/(1-ρ): how much longer the appliance waits than the agent's own interval.</summary>
    public static double Stretch(double rho) => (1 + rho) / (1 - rho);

    /// <summary>
    /// After the last heartbeat received from a host, the appliance may commit <c>HostFailed</c>:
    /// the agent's lease (counted from the heartbeat's send time, which came before) has expired
    /// and its isolation check has run. (L + T_probe)·(1+ρ)/(1-ρ) + δ.
    /// </summary>
    public static TimeSpan FailedAfter(LeaseOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return Ms((o.LeaseMs + o.ProbeTimeoutMs) * Stretch(o.DriftBound) + o.MarginMs);
    }

    /// <summary>
    /// After the last heartbeat received from a host, its VMs are surely off (self-fenced, or the
    /// host is dead): (L + T_probe + T_off)·(1+ρ)/(1-ρ) + δ.
    /// </summary>
    public static TimeSpan SafeAfterHeartbeat(LeaseOptions o, int powerOffBoundMs)
    {
        ArgumentNullException.ThrowIfNull(o);
        return Ms((o.LeaseMs + o.ProbeTimeoutMs + powerOffBoundMs) * Stretch(o.DriftBound) + o.MarginMs);
    }

    /// <summary>
    /// After the appliance (re)gained a heartbeat quorum: an isolated agent that kept running
    /// because no peer had a leader finds one at its next probe. A peer's lease starts when the
    /// acknowledgement reaches it, up to T_max after the appliance saw the heartbeat, so:
    /// (T_max + P + T_probe + T_off)·(1+ρ)/(1-ρ) + δ.
    /// </summary>
    public static TimeSpan SafeAfterQuorum(LeaseOptions o, int powerOffBoundMs)
    {
        ArgumentNullException.ThrowIfNull(o);
        return Ms((o.HeartbeatTimeoutMs + o.ProbeIntervalMs + o.ProbeTimeoutMs + powerOffBoundMs) * Stretch(o.DriftBound) + o.MarginMs);
    }

    /// <summary>
    /// R = 2·(H + T_max): how long after sending an acknowledged heartbeat an agent tells its peers
    /// "I have a leader". Shorter than the lease on purpose: when the witness dies, the host whose
    /// lease expires first must not find its peer still claiming a leader (R + H + T_max &lt; L, see
    /// <see cref="LeaseOptions.Validate"/>). Long enough that the appliance, which learns of an
    /// accepted acknowledgement one heartbeat late, counts a connected host without a break
    /// (<see cref="PeerLeaseHeld"/> &gt; 2H).
    /// </summary>
    public static TimeSpan LeaderClaim(LeaseOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return TimeSpan.FromMilliseconds(2 * (o.HeartbeatMs + o.HeartbeatTimeoutMs));
    }

    /// <summary>
    /// How long after receiving a peer's heartbeat (one whose acknowledgement the peer later
    /// proved it accepted) the appliance may count on that peer still claiming a leader:
    /// R·(1-ρ)/(1+ρ) − T_max.
    /// </summary>
    public static TimeSpan PeerLeaseHeld(LeaseOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return Ms(Math.Max(0, LeaderClaim(o).TotalMilliseconds / Stretch(o.DriftBound) - o.HeartbeatTimeoutMs));
    }

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(Math.Ceiling(ms));
}
