using HaWitness.Agent.Runtime.Reconcile;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Join;

namespace HaWitness.Agent.Runtime.Heartbeats;

/// <summary>
/// Sends a heartbeat every H of the agent's clock, carrying the VM report; an acknowledgement
/// within the timeout extends the lease from the heartbeat's send time. Heartbeats do not wait
/// for each other: a slow answer never delays the next one. A change of the report (a VM started,
/// stopped or refused) sends one at once (<see cref="Nudge"/>), so the appliance learns of a start
/// the moment it happens; nudges arriving together make one heartbeat.
/// </summary>
public sealed partial class HeartbeatLoop
{
    private readonly AgentState _state;
    private readonly IApplianceLink _client;
    private readonly IAgentReplica _node;
    private readonly VmInventory _inventory;
    private readonly ILogger _logger;
    private int _failures;
    private TaskCompletionSource _nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the loop.</summary>
    public HeartbeatLoop(AgentState state, IApplianceLink client, IAgentReplica node, VmInventory inventory, ILogger<HeartbeatLoop> logger)
    {
        _state = state;
        _client = client;
        _node = node;
        _inventory = inventory;
        _logger = logger;
        inventory.Changed += Nudge;
    }

    /// <summary>Sends the next heartbeat now instead of at the end of the period.</summary>
    public void Nudge() => Volatile.Read(ref _nudge).TrySetResult();

    /// <summary>
    /// Raised with the error code when the leader refuses this generation (<c>generation_failed</c>:
    /// the leader declared it failed, so its VMs run elsewhere now; <c>generation_superseded</c>,
    /// <c>unknown_member</c>): re-join, after fencing ourselves where the code says so.
    /// </summary>
    public event Action<string, string>? RejoinNeeded;

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var inFlight = new List<Task>();
        while (!ct.IsCancellationRequested)
        {
            _state.MarkProgress();
            inFlight.RemoveAll(t => t.IsCompleted);
            if (inFlight.Count < 8)
            {
                inFlight.Add(BeatNowAsync(ct));
            }

            using var period = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                var next = Volatile.Read(ref _nudge).Task;
                var delay = Task.Delay(TimeSpan.FromMilliseconds(_state.Timings.HeartbeatMs), _state.Time, period.Token);
                if (await Task.WhenAny(delay, next).ConfigureAwait(false) != next)
                {
                    await delay.ConfigureAwait(false); // throws when cancelled
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            finally
            {
                await period.CancelAsync().ConfigureAwait(false);
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    /// <summary>True when a nudge arrived since the last heartbeat was sent.</summary>
    public bool NudgePending => Volatile.Read(ref _nudge).Task.IsCompleted;

    /// <summary>
    /// Sends one heartbeat now and takes the pending nudge with it (a nudge during this send is
    /// answered by the next heartbeat). The loop's step; the simulation calls it on its own schedule.
    /// </summary>
    public Task BeatNowAsync(CancellationToken ct)
    {
        Interlocked.Exchange(ref _nudge, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return BeatAsync(ct);
    }

    private async Task BeatAsync(CancellationToken ct)
    {
        if (_state.MemberKey is not { } key)
        {
            return;
        }

        var lease = _state.Lease;
        long seq = lease.BeginHeartbeat();
        var view = _node.View;
        var request = new HeartbeatRequest(_state.Options.Name, _state.Generation, seq, lease.AckedSeq, _node.AppliedIndex, _state.SelfFenced,
            _inventory.Report(view.Vms.ContainsKey));
        var answer = await _client.HeartbeatAsync(request, key, TimeSpan.FromMilliseconds(_state.Timings.HeartbeatTimeoutMs), ct).ConfigureAwait(false);
        if (answer.Status == 200)
        {
            lease.Acknowledge(seq, answer.Value!.Term);

            if (Interlocked.Exchange(ref _failures, 0) >= 3)
            {
                LogRecovered(_logger);
            }

            return;
        }

        if (answer.Status is 401 or 409)
        {
            RejoinNeeded?.Invoke(answer.Error ?? "refused", answer.Message ?? string.Empty);
        }

        if (Interlocked.Increment(ref _failures) == 3)
        {
            LogFailing(_logger, answer.Error ?? "?", answer.Message ?? string.Empty);
        }
    }

    [LoggerMessage(EventId = 2500, Level = LogLevel.Warning, Message = "Heartbeats are not acknowledged ({Error}: {Message})")]
    private static partial void LogFailing(ILogger logger, string error, string message);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Information, Message = "Heartbeats acknowledged again")]
    private static partial void LogRecovered(ILogger logger);
}
