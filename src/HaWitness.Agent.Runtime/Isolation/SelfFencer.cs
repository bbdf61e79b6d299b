using System.Text.Json.Nodes;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Core.Journal;
using HaWitness.Hypervisors;

namespace HaWitness.Agent.Runtime.Isolation;

/// <summary>
/// The isolation response: powers this host's HA VMs off (hard, or a guest shutdown bounded by
/// T_off then hard, or nothing), journals it locally with its evidence, and starts a new generation
/// so that nothing runs here again before the leader has re-admitted the host.
/// </summary>
public sealed partial class SelfFencer
{
    private readonly AgentState _state;
    private readonly IAgentReplica _node;
    private readonly IHypervisorDriver _driver;
    private readonly IJournalWriter _journal;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _once = new(1, 1);

    /// <summary>Creates the fencer.</summary>
    public SelfFencer(AgentState state, IAgentReplica node, IHypervisorDriver driver, IJournalWriter journal, ILogger<SelfFencer> logger)
    {
        _state = state;
        _node = node;
        _driver = driver;
        _journal = journal;
        _logger = logger;
    }

    /// <summary>
    /// Called when a self-fence failed (a VM listing or power-off failed, or it overran its bound):
    /// the watchdog, when armed, takes over and resets the host.
    /// </summary>
    public Action<string>? Failed { get; set; }

    /// <summary>Fences this host now. Idempotent while already fenced.</summary>
    public async Task FenceAsync(string reason, JsonObject evidence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        await _once.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_state.SelfFenced)
            {
                return;
            }

            string oldGeneration = _state.Generation;
            _state.MarkSelfFenced(); // stops the reconciler from starting anything, first
            long started = _state.Time.GetTimestamp(); // monotonic, on the agent's clock
            string me = _state.Options.Name;
            string response = _state.Options.IsolationResponse;
            var bound = TimeSpan.FromMilliseconds(_state.Options.PowerOffBoundMs);
            // Every hypervisor call of the fence answers within the power-off bound, whatever the
            // driver's own call timeout: a call still hanging at the bound is a failure (and, with a
            // watchdog, an escalation), never a wait past what the appliance was promised.
            using var within = CancellationTokenSource.CreateLinkedTokenSource(ct);
            within.CancelAfter(bound);
            var listed = await BoundedAsync(async c => await _driver.ListAsync(c).ConfigureAwait(false), "listing the VMs", bound, within.Token, ct).ConfigureAwait(false);
            var running = listed.IsOk
                ? listed.Value.Where(v => v.State is VmPowerState.Running or VmPowerState.Starting or VmPowerState.Paused).ToList()
                : [];
            var view = _node.View;
            var failed = new JsonArray();
            if (!listed.IsOk)
            {
                // Not knowing what runs is not "nothing runs": this self-fence failed.
                failed.Add((JsonNode?)JsonValue.Create($"(listing the VMs): {listed.Error}"));
            }

            var ha = running.Where(v => view.Vms.TryGetValue(v.Vm.Name, out var e) && e.Ha && e.Host == me).ToList();
            var off = new JsonArray();
            if (response != "none")
            {
                await Task.WhenAll(ha.Select(async vm =>
                {
                    var r = await BoundedAsync(async c => response == "shutdown"
                        ? await SoftThenHardAsync(vm.Vm, bound, c).ConfigureAwait(false)
                        : await _driver.PowerOffAsync(vm.Vm, PowerOffMode.Hard, c).ConfigureAwait(false), "power-off", bound, within.Token, ct).ConfigureAwait(false);
                    lock (off)
                    {
                        if (r.IsOk)
                        {
                            off.Add((JsonNode?)JsonValue.Create(vm.Vm.Name));
                        }
                        else
                        {
                            failed.Add((JsonNode?)JsonValue.Create($"{vm.Vm.Name}: {r.Error}"));
                        }
                    }
                })).ConfigureAwait(false);
            }

            long ms = (long)_state.Time.GetElapsedTime(started).TotalMilliseconds;
            evidence["reason"] = reason;
            evidence["isolationResponse"] = response;
            evidence["generation"] = oldGeneration;
            evidence["newGeneration"] = _state.Generation;
            evidence["poweredOff"] = off;
            evidence["failed"] = failed;
            evidence["keptRunning"] = new JsonArray([.. running.Except(ha).Select(v => (JsonNode)v.Vm.Name)]);
            evidence["durationMs"] = ms;
            evidence["summary"] = $"fenced itself ({response}): {reason}; {off.Count} VM(s) off, {failed.Count} failed, in {ms} ms";
            evidence["powerOffBoundMs"] = (long)bound.TotalMilliseconds;
            evidence["withinBound"] = ms <= bound.TotalMilliseconds;
            _state.PendingSelfFenceReport = new HaWitness.Cluster.Join.SelfFenceReport(
                _state.Time.GetUtcNow(), oldGeneration, reason,
                [.. off.Select(n => n!.GetValue<string>())], [.. failed.Select(n => n!.GetValue<string>())], ms);
            bool succeeded = failed.Count == 0 && ms <= bound.TotalMilliseconds;
            evidence["escalated"] = !succeeded && Failed is not null;
            _journal.Append(new NewDecision("SelfFence", Subjects.Host(me), succeeded ? Outcome.Succeeded : Outcome.Failed, evidence));
            LogFenced(_logger, reason, off.Count, failed.Count, ms);
            if (!succeeded)
            {
                Failed?.Invoke(failed.Count > 0
                    ? $"{failed.Count} failure(s), first: {failed[0]!.GetValue<string>()}"
                    : $"took {ms} ms, over its {(long)bound.TotalMilliseconds} ms bound");
            }
        }
        finally
        {
            _once.Release();
        }
    }

    /// <summary>Runs a hypervisor call under the fence's deadline; past it, a timeout error instead of a wait.</summary>
    private static async Task<HvResult> BoundedAsync(Func<CancellationToken, Task<HvResult>> call, string what, TimeSpan bound, CancellationToken within, CancellationToken stop)
    {
        try
        {
            return await call(within).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return HvResult.Fail(HypervisorErrorKind.Timeout, Late(what, bound));
        }
    }

    /// <inheritdoc cref="BoundedAsync(Func{CancellationToken, Task{HvResult}}, string, TimeSpan, CancellationToken, CancellationToken)"/>
    private static async Task<HvResult<T>> BoundedAsync<T>(Func<CancellationToken, Task<HvResult<T>>> call, string what, TimeSpan bound, CancellationToken within, CancellationToken stop)
    {
        try
        {
            return await call(within).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return HvResult<T>.Fail(HypervisorErrorKind.Timeout, Late(what, bound));
        }
    }

    private static string Late(string what, TimeSpan bound) => $"{what}: not done within the {(long)bound.TotalMilliseconds} ms power-off bound";

    private async Task<HvResult> SoftThenHardAsync(VmRef vm, TimeSpan bound, CancellationToken ct)
    {
        // Ask the guest, wait for it to be off for most of the bound, then pull the plug.
        long started = _state.Time.GetTimestamp(); // monotonic: the power-off bound is a deadline
        var asked = await _driver.PowerOffAsync(vm, PowerOffMode.Soft, ct).ConfigureAwait(false);
        while (asked.IsOk && _state.Time.GetElapsedTime(started) < bound * 0.7)
        {
            var listed = await _driver.ListAsync(ct).ConfigureAwait(false);
            if (listed.IsOk && !listed.Value.Any(v => v.Vm.Name == vm.Name && v.State is not (VmPowerState.Off or VmPowerState.Crashed)))
            {
                return HvResult.Ok;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _state.Time, ct).ConfigureAwait(false);
        }

        return await _driver.PowerOffAsync(vm, PowerOffMode.Hard, ct).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 2600, Level = LogLevel.Critical, Message = "SELF-FENCED: {Reason}; {Off} HA VMs powered off, {Failed} failed, in {Ms} ms")]
    private static partial void LogFenced(ILogger logger, string reason, int off, int failed, long ms);
}
