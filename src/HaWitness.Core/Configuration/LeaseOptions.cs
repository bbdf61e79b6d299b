namespace HaWitness.Core.Configuration;

/// <summary>
/// Heartbeat and lease timings of the cluster (section <c>Lease</c> of the appliance's config).
/// The appliance hands them to every agent at join, so the whole cluster uses one set.
/// The arithmetic that uses them is in docs/quorum.md. The defaults (heartbeat 0.5 s, lease 2.5 s)
/// put every HA VM of a dead host back in under 5 s with a storage fence; <c>scripts/soak.sh</c>
/// checks that they cause no false failover on a loaded machine (docs/failover.md).
/// </summary>
public sealed class LeaseOptions
{
    /// <summary>H: how often an agent sends a heartbeat.</summary>
    public int HeartbeatMs { get; set; } = 500;

    /// <summary>L: how long an acknowledged heartbeat keeps the agent's lease, counted from when it was sent.</summary>
    public int LeaseMs { get; set; } = 2500;

    /// <summary>An acknowledgement arriving later than this after its heartbeat was sent is not used.</summary>
    public int HeartbeatTimeoutMs { get; set; } = 250;

    /// <summary>P: how often an agent whose lease expired asks its peers again.</summary>
    public int ProbeIntervalMs { get; set; } = 500;

    /// <summary>T_probe: how long an agent waits for its peers' answers.</summary>
    public int ProbeTimeoutMs { get; set; } = 300;

    /// <summary>ρ: bound on the relative rate difference of any machine's clock from real time.</summary>
    public double DriftBound { get; set; } = 0.01;

    /// <summary>δ: margin added to every bound (scheduling, GC pauses).</summary>
    public int MarginMs { get; set; } = 250;

    /// <summary>A host silent for this long is journaled as suspected (not yet acted on).</summary>
    public int SuspectAfterMs { get; set; } = 1200;

    /// <summary>Checks the values and how they relate; throws naming the key.</summary>
    public void Validate(string section = "Lease")
    {
        OptionChecks.Range($"{section}:HeartbeatMs", HeartbeatMs, 50, 60_000, "ms");
        OptionChecks.Range($"{section}:LeaseMs", LeaseMs, 200, 600_000, "ms");
        OptionChecks.Range($"{section}:HeartbeatTimeoutMs", HeartbeatTimeoutMs, 10, 60_000, "ms");
        OptionChecks.Range($"{section}:ProbeIntervalMs", ProbeIntervalMs, 50, 60_000, "ms");
        OptionChecks.Range($"{section}:ProbeTimeoutMs", ProbeTimeoutMs, 10, 60_000, "ms");
        OptionChecks.Range($"{section}:MarginMs", MarginMs, 0, 60_000, "ms");
        OptionChecks.Range($"{section}:SuspectAfterMs", SuspectAfterMs, 50, 600_000, "ms");
        if (double.IsNaN(DriftBound) || DriftBound < 0 || DriftBound > 0.1)
        {
            throw new ConfigurationException($"config: {section}:DriftBound = {DriftBound} is out of range; allowed 0..0.1 (0.01 = 1 %)");
        }

        // When the witness dies, the host whose lease expires first must not find its peer still
        // claiming a leader: the claim lasts R = 2(H + T_max) from a send at most H + T_max later
        // than the first host's, stretched by the drift bound. See docs/quorum.md.
        double k = (1 + DriftBound) / (1 - DriftBound);
        int minimum = (int)Math.Ceiling((3.0 * HeartbeatMs + 3.0 * HeartbeatTimeoutMs) * k) + 1;
        minimum = Math.Max(minimum, HeartbeatMs + HeartbeatTimeoutMs + ProbeIntervalMs);
        if (LeaseMs < minimum)
        {
            throw new ConfigurationException(
                $"config: {section}:LeaseMs = {LeaseMs} is too short; allowed at least (3·HeartbeatMs + 3·HeartbeatTimeoutMs)·(1+DriftBound)/(1-DriftBound) = {minimum} ms");
        }

        // The appliance learns that an agent accepted an acknowledgement one heartbeat late; the
        // claim it may count on must outlast two heartbeats as the appliance's clock measures them
        // (an agent's H on a slow clock is up to k·H on a fast one), or a connected host would flicker.
        if (2.0 * (HeartbeatMs + HeartbeatTimeoutMs) / k - HeartbeatTimeoutMs <= 2.0 * HeartbeatMs * k)
        {
            throw new ConfigurationException(
                $"config: {section}:HeartbeatTimeoutMs = {HeartbeatTimeoutMs} is too short for HeartbeatMs = {HeartbeatMs} at DriftBound {DriftBound}; raise it");
        }
    }
}
