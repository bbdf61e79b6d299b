using System.Net;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Security;
using HaWitness.Core.Configuration;

namespace HaWitness.Agent.Runtime.Joining;

/// <summary>
/// Auto-registration, agent side: join (token → certificate, member key, timings), then admit
/// (the leader adds our Raft member and commits the registration). Retries with backoff until it
/// works or the answer says retrying is pointless (a wrong token, a taken name).
/// </summary>
public sealed partial class Joiner : IRegistrar
{
    private readonly AgentState _state;
    private readonly ApplianceClient _client;
    private readonly MemberIdentity _identity;
    private readonly HostFacts _facts;
    private readonly ILogger _logger;

    /// <summary>Creates the joiner.</summary>
    public Joiner(AgentState state, ApplianceClient client, MemberIdentity identity, HostFacts facts, ILogger<Joiner> logger)
    {
        _state = state;
        _client = client;
        _identity = identity;
        _facts = facts;
        _logger = logger;
    }

    /// <summary>Joins (first phase): returns once certificates and the member key are stored.</summary>
    /// <exception cref="JoinRefusedException">The appliance refused for good (token, name, identity).</exception>
    public async Task JoinAsync(CancellationToken ct)
    {
        var o = _state.Options;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            _state.MarkProgress();
            string generation = _state.Generation;
            var request = new JoinRequest(o.JoinToken!, o.Name, o.Raft, _facts.ProbeEndpoint, _facts.InitiatorIqn, o.Hypervisor,
                _facts.Cpus, _facts.MemoryMb, generation, _state.ReportedPowerOffBoundMs, _identity.CreateSigningRequestPem(o.Name));
            var answer = await _client.JoinAsync(request, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            if (answer.Status == 200)
            {
                var r = answer.Value!;
                if (MemberKeys.Prove(o.JoinToken!, r.ClusterCaPem + r.MemberCertificatePem) != r.ClusterCaProof)
                {
                    throw new JoinRefusedException("the appliance could not prove it knows the join token: refusing its certificates (wrong --witness address, or somebody in the middle)");
                }

                _identity.SaveCertificates(r.MemberCertificatePem, r.ClusterCaPem);
                _state.MemberKey = r.MemberKey;
                var t = r.Lease;
                _state.UseTimings(new LeaseOptions
                {
                    HeartbeatMs = t.HeartbeatMs, LeaseMs = t.LeaseMs, HeartbeatTimeoutMs = t.HeartbeatTimeoutMs,
                    ProbeIntervalMs = t.ProbeIntervalMs, ProbeTimeoutMs = t.ProbeTimeoutMs, DriftBound = t.DriftBound,
                    MarginMs = t.MarginMs, SuspectAfterMs = t.SuspectAfterMs,
                });
                LogJoined(_logger, o.Name, generation, r.Identity[..12]);
                return;
            }

            if (answer.Status is 400 or 401 or 403 or 409 || answer.Error == ApplianceClient.CertificateRefused)
            {
                throw new JoinRefusedException(answer.Error == ApplianceClient.CertificateRefused
                    ? "not joining: " + answer.Message
                    : $"join refused ({answer.Status} {answer.Error}): {answer.Message}");
            }

            LogRetry(_logger, "join", answer.Error ?? "?", answer.Message ?? string.Empty, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _state.Time, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
        }
    }

    /// <summary>Admits (second phase): our Raft member must be listening. Returns false if the join must be redone.</summary>
    public async Task<bool> AdmitAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            string generation = _state.Generation;
            var answer = await _client.AdmitAsync(new AdmitRequest(_state.Options.Name, generation, _state.PendingSelfFenceReport), _state.MemberKey!, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            if (answer.Status == 200)
            {
                _state.PendingSelfFenceReport = null;
                _state.MarkRegistered(generation);
                LogAdmitted(_logger, generation, answer.Value!.Index, answer.Value.State);
                return true;
            }

            if (answer.Status is 409 or 401)
            {
                LogRetry(_logger, "admit", answer.Error ?? "?", answer.Message ?? string.Empty, 0);
                return false;
            }

            LogRetry(_logger, "admit", answer.Error ?? "?", answer.Message ?? string.Empty, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _state.Time, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
        }
    }

    [LoggerMessage(EventId = 2400, Level = LogLevel.Information, Message = "Joined as {Name} (generation {Generation}, identity {Identity})")]
    private static partial void LogJoined(ILogger logger, string name, string generation, string identity);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "Admitted (generation {Generation}) at index {Index}, host {State}")]
    private static partial void LogAdmitted(ILogger logger, string generation, long index, string state);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "{Step} not done ({Error}: {Message}); retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, string step, string error, string message, long delayMs);
}

/// <summary>The appliance refused the join for a reason retrying will not fix.</summary>
public sealed class JoinRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JoinRefusedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public JoinRefusedException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public JoinRefusedException()
    {
    }
}

/// <summary>The host's facts as registered.</summary>
public sealed record HostFacts(string ProbeEndpoint, string InitiatorIqn, int Cpus, long MemoryMb)
{
    /// <summary>Derives the facts from options, the host and the hypervisor's capacity.</summary>
    public static HostFacts From(AgentOptions o, int cpus, long memoryMb)
    {
        ArgumentNullException.ThrowIfNull(o);
        var raft = IPEndPoint.Parse(o.Raft);
        string probe = o.Probe ?? new IPEndPoint(raft.Address, raft.Port + 1).ToString();
        return new HostFacts(probe, ResolveInitiator(o), cpus, memoryMb);
    }

    /// <summary>The configured initiator, else the host's own (<c>/etc/iscsi/initiatorname.iscsi</c>), else one derived from the name.</summary>
    public static string ResolveInitiator(AgentOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return o.InitiatorIqn ?? LocalInitiator(o.Name);
    }

    private static string LocalInitiator(string name)
    {
        const string file = "/etc/iscsi/initiatorname.iscsi";
        if (File.Exists(file))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith("InitiatorName=", StringComparison.Ordinal) && IscsiName.IsValid(line[14..].Trim()))
                {
                    return line[14..].Trim();
                }
            }
        }

        return "iqn.2026-11.org.hawitness:" + name.ToLowerInvariant();
    }
}
