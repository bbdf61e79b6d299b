using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Quorum;

/// <summary>
/// The leader's side of heartbeats: authenticate, record the receipt on the appliance's clock,
/// acknowledge. Only the leader acknowledges: an acknowledgement is what extends an agent's lease.
/// </summary>
public sealed class HeartbeatService
{
    private readonly MemberKeys _keys;
    private readonly ICommandLog _log;
    private readonly HostLeaseTracker _tracker;
    private readonly Func<bool> _isLeader;
    private readonly Func<(long Term, string Leader, long Commit)> _raft;

    /// <summary>Creates the service.</summary>
    public HeartbeatService(MemberKeys keys, ICommandLog log, HostLeaseTracker tracker, Func<bool> isLeader, Func<(long Term, string Leader, long Commit)> raft)
    {
        _keys = keys;
        _log = log;
        _tracker = tracker;
        _isLeader = isLeader;
        _raft = raft;
    }

    /// <summary>
    /// Largest heartbeat body read (after <see cref="Authenticate"/>): 12 MiB. A VM costs about
    /// 80 bytes in a report, and about 8.2 KB while its definition travels with it (a libvirt
    /// domain of 4.3 KB of XML, escaped twice; only until the cluster knows the VM), so a host's
    /// first report of 1,000 new libvirt VMs is about 8.2 MB and this leaves half again as margin.
    /// </summary>
    public const int MaxReportBytes = 12 * 1024 * 1024;

    /// <summary>
    /// Checks the caller from its headers alone (<see cref="AgentApiHeaders.Member"/> and the member
    /// key), before its report is read; null when it is a registered member with its key.
    /// </summary>
    public ApiResult<HeartbeatResponse>? Authenticate(string? name, string? memberKey)
    {
        if (name is null || !_log.View.Hosts.TryGetValue(name, out var host) || host.Phase == HostPhase.Removed)
        {
            return ApiResult<HeartbeatResponse>.Fail(401, "unknown_member", $"not a registered host (send its name in {AgentApiHeaders.Member}): join first");
        }

        return _keys.Verify(host.Name, host.Identity, memberKey)
            ? null
            : ApiResult<HeartbeatResponse>.Fail(401, "bad_member_key", "the member key is wrong");
    }

    /// <summary>Handles <c>POST /api/v1/agents/heartbeat</c>.</summary>
    public ApiResult<HeartbeatResponse> Heartbeat(HeartbeatRequest request, string? memberKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Name is null || !_log.View.Hosts.TryGetValue(request.Name, out var host) || host.Phase == HostPhase.Removed)
        {
            return ApiResult<HeartbeatResponse>.Fail(401, "unknown_member", "not a registered host: join first");
        }

        if (!_keys.Verify(host.Name, host.Identity, memberKey))
        {
            return ApiResult<HeartbeatResponse>.Fail(401, "bad_member_key", "the member key is wrong");
        }

        var (term, leader, commit) = _raft();
        if (!_isLeader())
        {
            return ApiResult<HeartbeatResponse>.Fail(503, "not_leader", $"not the leader (leader: {leader})");
        }

        if (request.Generation != host.Generation)
        {
            return ApiResult<HeartbeatResponse>.Fail(409, "generation_superseded",
                $"host {host.Name} is registered with generation {host.Generation}, not {request.Generation}: join again");
        }

        if (host.Phase == HostPhase.Failed && host.FailedGeneration == request.Generation)
        {
            // No lease for a generation the majority declared failed: its VMs may run elsewhere now.
            return ApiResult<HeartbeatResponse>.Fail(409, "generation_failed",
                $"host {host.Name} (generation {request.Generation}) was declared failed: power off and join again with a new generation");
        }

        if (request.Vms is { Count: > 100_000 })
        {
            return ApiResult<HeartbeatResponse>.Fail(413, "too_many_vms", "at most 100000 VMs per report");
        }

        _tracker.Heartbeat(new HostReport(host.Name, request.Generation, default, request.AppliedIndex, request.SelfFenced,
            request.Vms ?? [], request.Seq, request.AckedSeq));
        return ApiResult<HeartbeatResponse>.Ok(new HeartbeatResponse(request.Seq, term, leader, commit, host.Phase.ToString(), host.Fenced));
    }
}
