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

    /// <summary>Raft election timeout bounds, ms (DotNext's own timers).</summary>
    public int LowerElectionTimeoutMs { get; init; } = 300;

    /// <summary>Raft election timeout bounds, ms.</summary>
    public int UpperElectionTimeoutMs { get; init; } = 600;

    /// <summary>Request, connect and TLS handshake timeout.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
