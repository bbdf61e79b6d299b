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
    /// acknowledgement reaches it, up to T_max after the appliance saw the heartbeat; the peer tells
    /// its claim once an acknowledgement reached it G = <see cref="ClaimSettle"/> after the claim
    /// began, and acknowledgements of a claim that holds reach it less than R =
    /// <see cref="LeaderClaim"/> apart, so:
    /// (T_max + G + R + P + T_probe + T_off)·(1+ρ)/(1-ρ) + δ.
    /// </summary>
    public static TimeSpan SafeAfterQuorum(LeaseOptions o, int powerOffBoundMs)
    {
        ArgumentNullException.ThrowIfNull(o);
        double settled = ClaimSettle(o).TotalMilliseconds + LeaderClaim(o).TotalMilliseconds;
        return Ms((o.HeartbeatTimeoutMs + settled + o.ProbeIntervalMs + o.ProbeTimeoutMs + powerOffBoundMs) * Stretch(o.DriftBound) + o.MarginMs);
    }

    /// <summary>
    /// G = (H + 2·T_max)·(1+ρ)/(1-ρ) + δ: how long after its claim "I hear a leader" began an
    /// agent must have been acknowledged again before it tells a peer so. When the appliance comes
    /// back (a restart, or the end of a partition), the first host it acknowledges must not make
    /// another host that it hears just as well fence itself: that host's next heartbeat goes out
    /// within H and is acknowledged within T_max. An acknowledgement that arrives G after the claim
    /// began answers a heartbeat the leader received at least G − T_max after it came back, by
    /// when it had acknowledged every host it hears; their leases outlast the claim (the
    /// witness-crash rule, <see cref="LeaseOptions.Validate"/>). So a leader that comes back only
    /// briefly fences nobody either. A host the leader does not hear finds the claim up to G + R
    /// later than before, and the appliance waits that much longer after (re)gaining its quorum
    /// (<see cref="SafeAfterQuorum"/>). The lease itself and the end of the claim are unchanged.
    /// </summary>
    public static TimeSpan ClaimSettle(LeaseOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return Ms(((o.HeartbeatMs + 2.0 * o.HeartbeatTimeoutMs) * Stretch(o.DriftBound)) + o.MarginMs);
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
