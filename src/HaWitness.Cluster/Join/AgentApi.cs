using System.Text.Json.Serialization;
using HaWitness.Cluster.Leases;

namespace HaWitness.Cluster.Join;

/// <summary>
/// <c>POST /api/v1/agents/join</c>: an agent asks to join. The token authenticates it; the CSR
/// carries its public key (its identity); the facts describe the host.
/// </summary>
public sealed record JoinRequest(
    string Token,
    string Name,
    string RaftEndpoint,
    string ProbeEndpoint,
    string InitiatorIqn,
    string Hypervisor,
    int Cpus,
    long MemoryMb,
    string Generation,
    int PowerOffBoundMs,
    string CsrPem);

/// <summary>The appliance's answer: the member certificate, the cluster CA, the member key, the cluster's timings.</summary>
public sealed record JoinResponse(
    string MemberCertificatePem,
    string ClusterCaPem,
    string ClusterCaProof,
    string MemberKey,
    string Identity,
    string ApplianceRaftEndpoint,
    LeaseTimings Lease);

/// <summary>Lease timings the cluster uses (the appliance's <c>Lease</c> section).</summary>
public sealed record LeaseTimings(int HeartbeatMs, int LeaseMs, int HeartbeatTimeoutMs, int ProbeIntervalMs, int ProbeTimeoutMs, double DriftBound, int MarginMs, int SuspectAfterMs);

/// <summary>
/// <c>POST /api/v1/agents/admit</c>: the joined agent's Raft member is up; add it as a voter and
/// register the host. <c>selfFence</c> reports a self-fence the agent did since its last admission.
/// </summary>
public sealed record AdmitRequest(string Name, string Generation, SelfFenceReport? SelfFence = null);

/// <summary>What an agent did when it fenced itself, reported when it is back.</summary>
public sealed record SelfFenceReport(DateTimeOffset At, string PreviousGeneration, string Reason, IReadOnlyList<string> PoweredOff, IReadOnlyList<string> Failed, long DurationMs);

/// <summary>The log index of the registration.</summary>
public sealed record AdmitResponse(long Index, string State);

/// <summary><c>POST /api/v1/agents/heartbeat</c>: the agent's heartbeat with its VM report.</summary>
public sealed record HeartbeatRequest(
    string Name,
    string Generation,
    long Seq,
    long AckedSeq,
    long AppliedIndex,
    bool SelfFenced,
    IReadOnlyList<ReportedVm> Vms);

/// <summary>The leader's acknowledgement.</summary>
public sealed record HeartbeatResponse(long Seq, long Term, string Leader, long CommitIndex, string HostPhase, bool Fenced);

/// <summary>
/// An agent's answer to a peer's isolation probe (<c>GET /probe</c> on the probe endpoint, mutual TLS).
/// <c>leaseValid</c>: it heard a leader within the leader-claim window (<see cref="Leases.LeaseMath.LeaderClaim"/>).
/// </summary>
public sealed record ProbeResponse(string Name, bool LeaseValid, long AppliedIndex, int Voters);

/// <summary>Source-generated JSON for the agent API.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(JoinResponse))]
[JsonSerializable(typeof(AdmitRequest))]
[JsonSerializable(typeof(SelfFenceReport))]
[JsonSerializable(typeof(AdmitResponse))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(ProbeResponse))]
public sealed partial class AgentApiJson : JsonSerializerContext;
