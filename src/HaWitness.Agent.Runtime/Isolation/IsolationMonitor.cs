using System.Text.Json.Nodes;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;

namespace HaWitness.Agent.Runtime.Isolation;

/// <summary>
/// Watches the lease on the agent's own clock. When it has expired, asks the peers every P
/// (ARCHITECTURE rule 2) and fences this host unless a majority answers and none of them hears
/// a leader. The first check runs at the moment of expiry.
/// </summary>
public sealed partial class IsolationMonitor
{
    private readonly AgentState _state;
    private readonly IAgentReplica _node;
    private readonly IPeerProber _prober;
    private readonly SelfFencer _fencer;
    private readonly IJournalWriter _journal;
    private readonly ILogger _logger;
    private long? _lastProbe; // monotonic timestamps: a wall-clock step must not suppress the isolation check
    private Task? _warmUp;
    private long? _lastWarmup;
    private string? _lastKeepReason;

    /// <summary>Creates the monitor.</summary>
    public IsolationMonitor(AgentState state, IAgentReplica node, IPeerProber prober, SelfFencer fencer, IJournalWriter journal, ILogger<IsolationMonitor> logger)
    {
        _state = state;
        _node = node;
        _prober = prober;
        _fencer = fencer;
        _journal = journal;
        _logger = logger;
    }

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(ct).ConfigureAwait(false);
                var remaining = _state.Lease.Remaining;
                var wait = remaining > TimeSpan.Zero && remaining < TimeSpan.FromMilliseconds(100) ? remaining : TimeSpan.FromMilliseconds(100);
                await Task.Delay(wait, _state.Time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCheckFailed(_logger, ex);
            }
        }
    }

    /// <summary>Called at every verdict that keeps the VMs running after the lease lapsed (the watchdog's reason to go on).</summary>
    public Action? Kept { get; set; }

    /// <summary>One check (public for tests).</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        var lease = _state.Lease;
        if (!lease.EverHeld || lease.IsValid || _state.SelfFenced)
        {
            _lastKeepReason = null;
            if (lease.IsValid && !_state.SelfFenced)
            {
                StartWarmUp(ct);
            }

            return;
        }

        long now = _state.Time.GetTimestamp();
        if (_lastProbe is { } last && _state.Time.GetElapsedTime(last, now) < TimeSpan.FromMilliseconds(_state.Timings.ProbeIntervalMs))
        {
            return;
        }

        _lastProbe = now;
        var view = _node.View;
        string me = _state.Options.Name;
        var answers = await _prober.ProbeAsync(Peers(view), TimeSpan.FromMilliseconds(_state.Timings.ProbeTimeoutMs), ct).ConfigureAwait(false);

        // The newest view of the voter set wins: ours, or a peer's that applied more of the log.
        int voters = 1 + view.Hosts.Values.Count(h => h.Voter && h.Phase != HostPhase.Removed);
        long newest = _node.AppliedIndex;
        foreach (var (_, index, v) in answers.Where(a => a.Answer.Reachable))
        {
            if (index > newest && v > 0)
            {
                newest = index;
                voters = v;
            }
        }

        var verdict = SelfFencePolicy.Decide(_state.Lease.IsValid, voters, [.. answers.Select(a => a.Answer)]);
        if (_state.Lease.IsValid)
        {
            return; // an acknowledgement arrived while we asked
        }

        if (verdict.Fence)
        {
            var evidence = new JsonObject
            {
                ["voters"] = voters,
                ["peers"] = new JsonArray([.. answers.Select(a => (JsonNode)new JsonObject
                {
                    ["host"] = a.Answer.Host,
                    ["reachable"] = a.Answer.Reachable,
                    ["leaseValid"] = a.Answer.LeaseValid,
                })]),
                ["leaseExpiredMs"] = (long)(-_state.Lease.Remaining.TotalMilliseconds),
            };
            await _fencer.FenceAsync(verdict.Reason, evidence, ct).ConfigureAwait(false);
        }
        else
        {
            Kept?.Invoke();
        }

        if (!verdict.Fence && verdict.Reason != _lastKeepReason)
        {
            _lastKeepReason = verdict.Reason;
            _journal.RecordEvent("IsolationCheck", Subjects.Host(me), "lease expired but keeping VMs: " + verdict.Reason);
            LogKeep(_logger, verdict.Reason);
        }
    }

    /// <summary>
    /// While the lease holds, probe the peers now and then and ignore the answers: it keeps the
    /// mutual-TLS connections open, so the probe that matters (at lease expiry, within T_probe)
    /// does not pay a handshake on a loaded machine. Never awaited by the check: a dead or silent
    /// peer must not hold back the isolation probe when the lease runs out.
    /// </summary>
    private void StartWarmUp(CancellationToken ct)
    {
        long now = _state.Time.GetTimestamp();
        if ((_lastWarmup is { } last && _state.Time.GetElapsedTime(last, now) < TimeSpan.FromMilliseconds(_state.Timings.LeaseMs)) || _warmUp is { IsCompleted: false })
        {
            return;
        }

        _lastWarmup = now;
        var peers = Peers(_node.View);
        if (peers.Count > 0)
        {
            _warmUp = WarmUpAsync(peers, ct);
        }
    }

    private async Task WarmUpAsync(Dictionary<string, string> peers, CancellationToken ct)
    {
        try
        {
            await _prober.ProbeAsync(peers, TimeSpan.FromMilliseconds(_state.Timings.ProbeTimeoutMs), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>The other voters' probe endpoints.</summary>
    private Dictionary<string, string> Peers(ClusterView view)
    {
        string me = _state.Options.Name;
        return view.Hosts.Values
            .Where(h => h.Name != me && h.Voter && h.Phase != HostPhase.Removed)
            .ToDictionary(h => h.Name, h => h.ProbeEndpoint, StringComparer.Ordinal);
    }

    [LoggerMessage(EventId = 2601, Level = LogLevel.Warning, Message = "Lease expired, VMs kept: {Reason}")]
    private static partial void LogKeep(ILogger logger, string reason);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Error, Message = "Isolation check failed; retrying")]
    private static partial void LogCheckFailed(ILogger logger, Exception ex);
}
