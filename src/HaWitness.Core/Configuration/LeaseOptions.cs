namespace HaWitness.Core.Configuration;

/// <summary>
/// Heartbeat and lease timings of the cluster (section <c>Lease</c> of the appliance's config).
/// The appliance hands them to every agent at join, so the whole cluster uses one set.
/// The arithmetic that uses them is in docs/quorum.md.
/// </summary>
public sealed class LeaseOptions
{
    /// <summary>H: how often an agent sends a heartbeat.</summary>
    public int HeartbeatMs { get; set; } = 1000;

    /// <summary>L: how long an acknowledged heartbeat keeps the agent's lease, counted from when it was sent.</summary>
    public int LeaseMs { get; set; } = 5000;

    /// <summary>An acknowledgement arriving later than this after its heartbeat was sent is not used.</summary>
    public int HeartbeatTimeoutMs { get; set; } = 500;

    /// <summary>P: how often an agent whose lease expired asks its peers again.</summary>
    public int ProbeIntervalMs { get; set; } = 1000;

    /// <summary>T_probe: how long an agent waits for its peers' answers.</summary>
    public int ProbeTimeoutMs { get; set; } = 500;

    /// <summary>ρ: bound on the relative rate difference of any machine's clock from real time.</summary>
    public double DriftBound { get; set; } = 0.01;

    /// <summary>δ: margin added to every bound (scheduling, GC pauses).</summary>
    public int MarginMs { get; set; } = 250;

    /// <summary>A host silent for this long is journaled as suspected (not yet acted on).</summary>
    public int SuspectAfterMs { get; set; } = 2500;

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

        // A connected agent's lease must never lapse between two heartbeats, and an isolated agent
        // must be able to ask its peers at least once before its lease would be renewed.
        if (LeaseMs < HeartbeatMs + HeartbeatTimeoutMs + ProbeIntervalMs)
        {
            throw new ConfigurationException(
                $"config: {section}:LeaseMs = {LeaseMs} is too short; allowed at least HeartbeatMs + HeartbeatTimeoutMs + ProbeIntervalMs = {HeartbeatMs + HeartbeatTimeoutMs + ProbeIntervalMs} ms");
        }
    }
}
