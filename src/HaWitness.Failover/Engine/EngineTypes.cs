using HaWitness.Core.Fencing;

namespace HaWitness.Failover.Engine;

/// <summary>A storage fence (or unfence) in flight or waiting for its next try.</summary>
internal sealed class FenceAttempt
{
    public Task<FenceOutcome>? Task { get; set; }

    public int Tries { get; set; }

    public DateTimeOffset NextAt { get; set; }

    /// <summary>A verified outcome whose commit has not gone through yet (no majority): committed next, not fenced again.</summary>
    public FenceOutcome? Verified { get; set; }
}

/// <summary>A re-admission's grant (through <see cref="HaWitness.Cluster.Grants.StorageGrants"/>) in flight or waiting for its next try.</summary>
internal sealed class GrantAttempt
{
    public Task<HaWitness.Cluster.Grants.GrantTry>? Task { get; set; }

    public int Tries { get; set; }

    public DateTimeOffset NextAt { get; set; }
}

/// <summary>A start the engine waits to see confirmed by the owner's report.</summary>
internal sealed class StartWatch(string host, long epoch, DateTimeOffset deadline, int triesOnHost)
{
    public string Host { get; } = host;

    public long Epoch { get; } = epoch;

    public DateTimeOffset Deadline { get; } = deadline;

    /// <summary>The try this epoch is, on this host (1-based).</summary>
    public int TriesOnHost { get; } = triesOnHost;

    /// <summary>When the failed try is retried on the same host; null while the try is open.</summary>
    public DateTimeOffset? RetryAt { get; set; }
}
