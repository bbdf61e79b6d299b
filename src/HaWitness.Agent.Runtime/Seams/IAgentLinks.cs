using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;

namespace HaWitness.Agent.Runtime.Seams;

/// <summary>The agent's calls to the appliance that keep it alive: heartbeats (HTTPS in production, <c>ApplianceClient</c>).</summary>
public interface IApplianceLink
{
    /// <summary>Sends one heartbeat; the status is 200 with the acknowledgement, or the refusal or transport error.</summary>
    Task<ApiResult<HeartbeatResponse>> HeartbeatAsync(HeartbeatRequest request, string memberKey, TimeSpan timeout, CancellationToken ct);
}

/// <summary>The isolation probe of the other voters (mutual TLS in production, <c>PeerProber</c>).</summary>
public interface IPeerProber
{
    /// <summary>
    /// Asks every peer (name → probe endpoint) within the timeout; each answer with the applied
    /// index and voter count the peer reported (0 when it did not answer).
    /// </summary>
    Task<IReadOnlyList<(PeerAnswer Answer, long Index, int Voters)>> ProbeAsync(IReadOnlyDictionary<string, string> peers, TimeSpan timeout, CancellationToken ct);
}

/// <summary>Getting the current generation registered with the leader (<c>Joiner</c> in production).</summary>
public interface IRegistrar
{
    /// <summary>Joins again (new credentials for the current generation); throws <c>JoinRefusedException</c> when refused for good.</summary>
    Task JoinAsync(CancellationToken ct);

    /// <summary>Asks the leader to admit the current generation; false when the join must be redone first.</summary>
    Task<bool> AdmitAsync(CancellationToken ct);
}
