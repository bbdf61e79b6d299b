using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace HaWitness.Cluster.Raft;

/// <summary>How to run one member of the Raft group.</summary>
public sealed class RaftNodeOptions
{
    /// <summary>Where the WAL, snapshots and membership file live.</summary>
    public required string Directory { get; init; }

    /// <summary>This member's address (also its identity in the membership).</summary>
    public required IPEndPoint EndPoint { get; init; }

    /// <summary>True for the appliance: may become leader. Agents are standby (vote, never lead).</summary>
    public bool LeaderEligible { get; init; }

    /// <summary>Start a new one-member cluster if no membership exists yet (the appliance's first start).</summary>
    public bool ColdStart { get; init; }

    /// <summary>This member's certificate with its private key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>The cluster CA that every peer's certificate must chain to.</summary>
    public required X509Certificate2 ClusterCa { get; init; }

    /// <summary>
    /// Raft election timeout bounds, ms (DotNext's own timers). A candidate waits for every
    /// member's vote and gives the round up at its election timeout, so every vote must end —
    /// granted, refused or failed — before it: <see cref="RequestTimeout"/> stays below the lower
    /// bound (checked at start).
    /// </summary>
    public int LowerElectionTimeoutMs { get; init; } = 1000;

    /// <summary>Raft election timeout bounds, ms.</summary>
    public int UpperElectionTimeoutMs { get; init; } = 1500;

    /// <summary>
    /// Request, connect and TLS handshake timeout. Below <see cref="LowerElectionTimeoutMs"/>: a
    /// voter that does not answer at all (powered off, its link cut: the connection attempt hangs)
    /// must fail its vote in time, or a restarted appliance never wins an election while such a
    /// voter is still in the group.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// How often the leader sends AppendEntries when it has nothing else to send, ms. A follower
    /// learns that an entry is committed — and applies it — only with the leader's next message,
    /// so this bounds how soon an agent starts a VM the leader placed on it. Below the lower
    /// election timeout (DotNext takes it as a fraction of it).
    /// </summary>
    public int HeartbeatMs { get; init; } = 150;

    /// <summary>Null when the timeouts can elect a leader with an unresponsive voter; else why not.</summary>
    public string? CheckTimeouts() =>
        LowerElectionTimeoutMs <= 0 || UpperElectionTimeoutMs < LowerElectionTimeoutMs
            ? $"election timeouts {LowerElectionTimeoutMs}..{UpperElectionTimeoutMs} ms: the lower bound must be positive and at most the upper"
            : RequestTimeout <= TimeSpan.Zero || RequestTimeout >= TimeSpan.FromMilliseconds(LowerElectionTimeoutMs)
                ? $"request timeout {(long)RequestTimeout.TotalMilliseconds} ms must be positive and below the lower election timeout ({LowerElectionTimeoutMs} ms): a voter that does not answer would make every election fail"
                : HeartbeatMs <= 0 || HeartbeatMs >= LowerElectionTimeoutMs
                    ? $"Raft heartbeat {HeartbeatMs} ms must be positive and below the lower election timeout ({LowerElectionTimeoutMs} ms)"
                    : null;
}
