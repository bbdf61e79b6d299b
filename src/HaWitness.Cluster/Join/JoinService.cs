using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;

namespace HaWitness.Cluster.Join;

/// <summary>
/// The leader's side of auto-registration: <see cref="Join"/> checks the token and the facts and
/// issues the member certificate; <see cref="AdmitAsync"/> adds the agent's Raft member as a voter
/// and commits the host's registration. Every refusal is journaled and changes nothing.
/// </summary>
public sealed partial class JoinService
{
    private readonly JoinToken _token;
    private readonly MemberKeys _keys;
    private readonly ClusterCa _ca;
    private readonly ICommandLog _log;
    private readonly IMembership _membership;
    private readonly JournalStore _journal;
    private readonly LeaseOptions _lease;
    private readonly string _applianceRaft;
    private readonly Func<bool> _isLeader;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, PendingJoin> _pending = new(StringComparer.Ordinal);
    private readonly Lock _pendingLock = new();
    private readonly StorageGrants? _grants;
    private readonly TimeProvider _time;

    /// <summary>How long a join waits for its admit before another key may claim the name (monotonic).</summary>
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(2);

    /// <summary>At most this many joins wait for their admit at once (each holds a request and a certificate's identity).</summary>
    public const int MaxPending = 256;

    /// <summary>Creates the service.</summary>
    public JoinService(JoinToken token, MemberKeys keys, ClusterCa ca, ICommandLog log, IMembership membership, JournalStore journal,
        LeaseOptions lease, string applianceRaft, Func<bool> isLeader, ILogger<JoinService> logger, StorageGrants? grants = null, TimeProvider? time = null)
    {
        _grants = grants;
        _time = time ?? TimeProvider.System;
        _token = token;
        _keys = keys;
        _ca = ca;
        _log = log;
        _membership = membership;
        _journal = journal;
        _lease = lease;
        _applianceRaft = applianceRaft;
        _isLeader = isLeader;
        _logger = logger;
    }

    /// <summary>Handles <c>POST /api/v1/agents/join</c>.</summary>
    public ApiResult<JoinResponse> Join(JoinRequest request, string remote)
    {
        ArgumentNullException.ThrowIfNull(request);
        string who = Names.Printable(request.Name);
        var tokenCheck = request.Token is { Length: <= 256 } ? _token.Check(request.Token) : JoinTokenCheck.Wrong;
        if (tokenCheck == JoinTokenCheck.Expired)
        {
            Refuse(who, remote, "join token expired");
            return ApiResult<JoinResponse>.Fail(401, "token_expired", "the join token has expired (make a new one on the appliance with `hawitness join-token --rotate [--expires DURATION]`)");
        }

        if (tokenCheck != JoinTokenCheck.Valid)
        {
            Refuse(who, remote, "wrong join token");
            return ApiResult<JoinResponse>.Fail(401, "bad_token", "the join token is wrong (print it on the appliance with `hawitness join-token`)");
        }

        if (JoinValidation.Check(request) is { } problem)
        {
            Refuse(who, remote, "invalid request: " + problem);
            return ApiResult<JoinResponse>.Fail(400, "invalid_field", problem);
        }

        if (!_isLeader())
        {
            return ApiResult<JoinResponse>.Fail(503, "not_leader", "this appliance is not the Raft leader (no quorum?); retry later");
        }

        X509Result issued;
        try
        {
            issued = IssueCertificate(request);
        }
        catch (CryptographicException ex)
        {
            Refuse(who, remote, "bad signing request: " + ex.Message);
            return ApiResult<JoinResponse>.Fail(400, "invalid_field", "csrPem: not a valid, self-signed PKCS#10 request");
        }

        var view = _log.View;
        if (view.RevokedIdentities.Contains(issued.Identity))
        {
            Refuse(who, remote, "identity revoked");
            return ApiResult<JoinResponse>.Fail(403, "revoked", $"this agent's identity was revoked (host {request.Name} was removed); give it a new key");
        }

        if (view.Hosts.TryGetValue(request.Name, out var existing) && existing.Phase != HostPhase.Removed && existing.Identity != issued.Identity)
        {
            Refuse(who, remote, $"host name taken by another identity ({existing.Identity[..Math.Min(12, existing.Identity.Length)]})");
            return ApiResult<JoinResponse>.Fail(409, "name_taken", $"host name {request.Name} is registered to another machine (another key); remove that host first or choose another name");
        }

        if (FindConflict(request, issued.Identity, view) is { } conflict)
        {
            Refuse(who, remote, conflict.Reason);
            return ApiResult<JoinResponse>.Fail(409, conflict.Error, conflict.Message);
        }

        lock (_pendingLock)
        {
            // Checked again under the lock: two joins racing for one name, endpoint or initiator.
            if (PendingConflict(request, issued.Identity) is { } raced)
            {
                Refuse(who, remote, raced.Reason);
                return ApiResult<JoinResponse>.Fail(409, raced.Error, raced.Message);
            }

            if (_pending.Count >= MaxPending && !_pending.ContainsKey(request.Name))
            {
                return ApiResult<JoinResponse>.Fail(503, "busy", $"{MaxPending} joins are waiting for their admit; retry later");
            }

            _pending[request.Name] = new PendingJoin(request, issued.Identity, _time.GetTimestamp());
        }

        string caPem = _ca.CertificatePem;
        string token = _token.GetOrCreate();
        var o = _lease;
        return ApiResult<JoinResponse>.Ok(new JoinResponse(
            issued.Pem,
            caPem,
            MemberKeys.Prove(token, caPem + issued.Pem),
            _keys.KeyFor(request.Name, issued.Identity),
            issued.Identity,
            _applianceRaft,
            new LeaseTimings(o.HeartbeatMs, o.LeaseMs, o.HeartbeatTimeoutMs, o.ProbeIntervalMs, o.ProbeTimeoutMs, o.DriftBound, o.MarginMs, o.SuspectAfterMs)));
    }

    /// <summary>Handles <c>POST /api/v1/agents/admit</c> (authenticated with the member key from the join).</summary>
    public async Task<ApiResult<AdmitResponse>> AdmitAsync(AdmitRequest request, string? memberKey, string remote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Name is null || !_pending.TryGetValue(request.Name, out var pending) || Expired(pending))
        {
            return ApiResult<AdmitResponse>.Fail(409, "join_first", "no pending join for this name (or it expired): call POST /api/v1/agents/join first");
        }

        if (!_keys.Verify(request.Name, pending.Identity, memberKey))
        {
            Refuse(Names.Printable(request.Name), remote, "admit with a wrong member key");
            return ApiResult<AdmitResponse>.Fail(401, "bad_member_key", "the member key is wrong");
        }

        var join = pending.Request;
        if (request.Generation != join.Generation)
        {
            return ApiResult<AdmitResponse>.Fail(409, "generation_mismatch", "the generation differs from the join's: join again");
        }

        var raft = IPEndPoint.Parse(join.RaftEndpoint);
        if (FindConflict(join, pending.Identity, _log.View) is { } conflict)
        {
            // The state changed since the join (another host registered the endpoint or the initiator).
            _pending.TryRemove(new KeyValuePair<string, PendingJoin>(join.Name, pending));
            Refuse(join.Name, remote, conflict.Reason);
            return ApiResult<AdmitResponse>.Fail(409, conflict.Error, conflict.Message);
        }

        if (_log.View.Hosts.Values.FirstOrDefault(h => h.Name != join.Name && h.Phase != HostPhase.Removed && h.Probation) is { } probation)
        {
            // One unproven member at a time: a member that never shows up counts in Raft's majority
            // until it is dropped, so several at once could stall every commit.
            return ApiResult<AdmitResponse>.Fail(503, "admission_busy", $"host {probation.Name} was admitted and is not heard yet; retry in a few seconds");
        }

        try
        {
            if (!await _membership.AddMemberAsync(raft, pending.Identity, cancellationToken).ConfigureAwait(false))
            {
                return ApiResult<AdmitResponse>.Fail(502, "raft_unreachable",
                    $"could not add the Raft member {join.RaftEndpoint}: unreachable, or it did not present the certificate issued to {join.Name}");
            }

            var commit = await _log.ProposeAsync(new RegisterHost(join.Name, join.RaftEndpoint, join.ProbeEndpoint, join.InitiatorIqn,
                join.Hypervisor, join.Cpus, join.MemoryMb, join.Generation, pending.Identity, join.PowerOffBoundMs, Probation: true), cancellationToken).ConfigureAwait(false);
            if (!commit.Result.Applied)
            {
                Refuse(join.Name, remote, "registration rejected: " + commit.Result.Reason);
                if (!_log.View.Hosts.Values.Any(h => h.Phase != HostPhase.Removed && h.RaftEndpoint == join.RaftEndpoint))
                {
                    // Nobody is registered there: the member added for this admit goes again.
                    await _membership.RemoveMemberAsync(raft, cancellationToken).ConfigureAwait(false);
                }

                return ApiResult<AdmitResponse>.Fail(409, "rejected", commit.Result.Reason ?? "rejected");
            }

            _pending.TryRemove(new KeyValuePair<string, PendingJoin>(request.Name, pending));
            var host = _log.View.Hosts[join.Name];
            if (request.SelfFence is { } fenced)
            {
                _journal.Append(new NewDecision("SelfFenceReported", Subjects.Host(join.Name), Outcome.Succeeded, new JsonObject
                {
                    ["summary"] = $"{join.Name} reports it fenced itself at {fenced.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture)} ({fenced.Reason}): {fenced.PoweredOff.Count} VM(s) powered off, {fenced.Failed.Count} failed, in {fenced.DurationMs} ms",
                    ["at"] = fenced.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["previousGeneration"] = fenced.PreviousGeneration,
                    ["reason"] = fenced.Reason,
                    ["poweredOff"] = new JsonArray([.. fenced.PoweredOff.Take(1000).Select(v => (JsonNode?)JsonValue.Create(v))]),
                    ["failed"] = new JsonArray([.. fenced.Failed.Take(1000).Select(v => (JsonNode?)JsonValue.Create(v))]),
                    ["durationMs"] = fenced.DurationMs,
                }));
            }

            _journal.Append(new NewDecision(DecisionKinds.AgentJoin, Subjects.Host(join.Name), Outcome.Succeeded, new JsonObject
            {
                ["summary"] = $"{join.Name} joined (generation {join.Generation}): Raft {join.RaftEndpoint}, initiator {join.InitiatorIqn}, {join.Hypervisor}, {join.Cpus} CPUs, {join.MemoryMb} MiB; now {host.Phase.ToString().ToLowerInvariant()}",
                ["index"] = commit.Index,
                ["generation"] = join.Generation,
                ["raftEndpoint"] = join.RaftEndpoint,
                ["initiatorIqn"] = join.InitiatorIqn,
                ["hypervisor"] = join.Hypervisor,
                ["cpus"] = join.Cpus,
                ["memoryMb"] = join.MemoryMb,
                ["identity"] = pending.Identity,
                ["phase"] = host.Phase.ToString(),
                ["remote"] = remote,
            }));
            LogAdmitted(_logger, join.Name, join.Generation, commit.Index);
            if (host is { Phase: HostPhase.Active, Fenced: false } && _grants is { IsConfigured: true })
            {
                // A healthy host gets its disks through the grant path; a failed or fenced one waits
                // for re-admission (rule 4). The first try is awaited (the agent's admit answers
                // after it); a failed grant keeps being retried in the background, journaled and
                // alarmed each time, while the host stays registered.
                var (first, _) = _grants.Begin(GrantRequest.Join(join.Name, join.InitiatorIqn, join.Generation, $"host joined (generation {join.Generation})"));
                var grant = await first.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (!grant.Verified)
                {
                    LogGrantFailed(_logger, join.Name, grant.Error ?? grant.Summary);
                }
            }

            return ApiResult<AdmitResponse>.Ok(new AdmitResponse(commit.Index, host.Phase.ToString()));
        }
        catch (NotLeaderException)
        {
            return ApiResult<AdmitResponse>.Fail(503, "not_leader", "this appliance lost leadership; retry later");
        }
        finally
        {
            _membership.EndAdmission(raft);
        }
    }

    /// <summary>
    /// What a join may not claim: the appliance's own Raft endpoint or any Raft member's that is not
    /// this host's registered one; an endpoint or an initiator held by another host that is not
    /// removed (claiming another's initiator would un-fence or fence that host's disks); a second
    /// name for one key; a name, endpoint or initiator another key's join is waiting to admit.
    /// </summary>
    private Conflict? FindConflict(JoinRequest request, string identity, ClusterView view)
    {
        var raft = IPEndPoint.Parse(request.RaftEndpoint);
        var probe = IPEndPoint.Parse(request.ProbeEndpoint);
        if (_membership.IsOwnEndPoint(raft) || _membership.IsOwnEndPoint(probe))
        {
            return new("endpoint_taken", $"raftEndpoint/probeEndpoint {raft}/{probe} is the appliance's own Raft endpoint",
                $"{raft} is the appliance's own Raft endpoint");
        }

        view.Hosts.TryGetValue(request.Name, out var self);
        foreach (var h in view.Hosts.Values)
        {
            if (h.Phase == HostPhase.Removed || h.Name == request.Name)
            {
                continue;
            }

            if (SameEndPoint(h.RaftEndpoint, raft) || SameEndPoint(h.ProbeEndpoint, raft) || SameEndPoint(h.RaftEndpoint, probe) || SameEndPoint(h.ProbeEndpoint, probe))
            {
                return new("endpoint_taken", $"Raft endpoint {raft} or probe endpoint {probe} belongs to {h.Name}", $"raftEndpoint {raft} or probeEndpoint {probe} belongs to host {h.Name}");
            }

            if (string.Equals(h.InitiatorIqn, request.InitiatorIqn, StringComparison.OrdinalIgnoreCase)) // iSCSI names compare without case (RFC 3722)
            {
                return new("initiator_taken", $"initiator {request.InitiatorIqn} belongs to {h.Name}", $"initiatorIqn {request.InitiatorIqn} belongs to host {h.Name}");
            }

            if (string.Equals(h.Identity, identity, StringComparison.Ordinal))
            {
                return new("identity_taken", $"this key already holds host {h.Name}", $"this agent's key already holds host {h.Name}: one key, one name");
            }
        }

        if (_membership.IsMember(raft) && !(self is { Phase: not HostPhase.Removed } && SameEndPoint(self.RaftEndpoint, raft)))
        {
            return new("endpoint_taken", $"Raft endpoint {raft} is used by a Raft member that is not {request.Name}", $"raftEndpoint {raft} is used by another Raft member");
        }

        return null;
    }

    /// <summary>Conflicts with joins of other keys still waiting for their admit (call under the lock).</summary>
    private Conflict? PendingConflict(JoinRequest request, string identity)
    {
        var raft = IPEndPoint.Parse(request.RaftEndpoint);
        foreach (var (name, p) in _pending)
        {
            if (Expired(p))
            {
                _pending.TryRemove(new KeyValuePair<string, PendingJoin>(name, p));
                continue;
            }

            if (string.Equals(p.Identity, identity, StringComparison.Ordinal))
            {
                if (name != request.Name)
                {
                    return new("identity_taken", $"this key is already joining as {name}", $"this agent's key is already joining as {name}: one key, one name");
                }

                continue; // the same machine joining again: its new join replaces the old one
            }

            if (name == request.Name)
            {
                return new("join_pending", $"another key is joining as {name}", $"another machine is joining as {name}; its join expires in at most {(long)PendingLifetime.TotalSeconds} s");
            }

            if (SameEndPoint(p.Request.RaftEndpoint, raft) || string.Equals(p.Request.InitiatorIqn, request.InitiatorIqn, StringComparison.OrdinalIgnoreCase))
            {
                return new("join_pending", $"{name} is joining with the same Raft endpoint or initiator", $"another machine ({name}) is joining with raftEndpoint {raft} or initiatorIqn {request.InitiatorIqn}");
            }
        }

        return null;
    }

    private bool Expired(PendingJoin p) => _time.GetElapsedTime(p.Since) > PendingLifetime;

    private static bool SameEndPoint(string registered, IPEndPoint endPoint) =>
        IPEndPoint.TryParse(registered, out var ep) && ep.Equals(endPoint);

    private sealed record PendingJoin(JoinRequest Request, string Identity, long Since);

    private sealed record Conflict(string Error, string Reason, string Message);

    private X509Result IssueCertificate(JoinRequest request)
    {
        var ep = IPEndPoint.Parse(request.RaftEndpoint);
        using var cert = _ca.Issue(request.CsrPem, request.Name, ep, MemberRole.Host);
        return new X509Result(cert.ExportCertificatePem(), Pem.Identity(cert));
    }

    private void Refuse(string who, string remote, string why)
    {
        // Counted per source and minute, not a fsynced row each: a stranger's flood of wrong tokens
        // costs a counter. A token holder's distinct reasons keep a row each (their own kind).
        string kind = why == "wrong join token" ? "join-token" : why.Contains("member key", StringComparison.Ordinal) ? "member-key" : "join: " + why[..Math.Min(why.Length, 80)];
        if (_journal.Refusals.Refused(new Refusal(kind, DecisionKinds.AgentJoin, Subjects.Agent(who), remote, why, $"join refused for {who} from {remote}: {why}")))
        {
            LogRefused(_logger, who, remote, why);
        }
    }


    private readonly record struct X509Result(string Pem, string Identity);

    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "Join of {Name} from {Remote} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string name, string remote, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Host {Name} joined but its initiator could not be granted on the target yet (retried in the background): {Reason}")]
    private static partial void LogGrantFailed(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Host {Name} admitted (generation {Generation}) at index {Index}")]
    private static partial void LogAdmitted(ILogger logger, string name, string generation, long index);
}
