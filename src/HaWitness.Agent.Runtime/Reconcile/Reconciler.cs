using System.Text.Json;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Hypervisors;

namespace HaWitness.Agent.Runtime.Reconcile;

/// <summary>
/// Makes the host match the committed state. What the state assigns to this host at the epoch it
/// applied, with Run set, runs — but only while the agent holds a lease, its generation is the
/// registered one, and the host is active and unfenced. What it no longer owns is powered off and
/// unregistered. VMs the state does not know are left alone and reported (the leader adds them).
/// </summary>
public sealed partial class Reconciler
{
    private readonly AgentState _state;
    private readonly IAgentReplica _node;
    private readonly IHypervisorDriver _driver;
    private readonly VmInventory _inventory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly IJournalWriter _journal;
    // Definitions of listed VMs the cluster does not know yet (null: the driver could not describe
    // it; asked once, not every pass). Pruned to the listed, unknown VMs each pass.
    private readonly Dictionary<string, VmDescription?> _definitions = new(StringComparer.Ordinal);

    // VMs whose stop was asked and journaled while they are still listed running (a soft stop
    // takes a while): asked again each pass, journaled once.
    private readonly HashSet<string> _stopping = new(StringComparer.Ordinal);

    /// <summary>Creates the reconciler and wakes it on every applied command.</summary>
    public Reconciler(AgentState state, IAgentReplica node, IHypervisorDriver driver, VmInventory inventory, IJournalWriter journal, ILogger<Reconciler> logger)
    {
        _journal = journal;
        _state = state;
        _node = node;
        _driver = driver;
        _inventory = inventory;
        _logger = logger;
        node.Applied += Wake;
    }

    /// <summary>Asks for a pass soon.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>The longest time between two passes.</summary>
    public static readonly TimeSpan Cadence = TimeSpan.FromSeconds(1);

    /// <summary>Takes a pending wake-up, if any (the simulation's scheduling of the loop below).</summary>
    public bool TakeWake() => _wake.Wait(0);

    /// <summary>Runs until cancelled: a pass on every change, and at least every <see cref="Cadence"/>.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PassAsync(ct).ConfigureAwait(false);
                await _wake.WaitAsync(Cadence, ct).ConfigureAwait(false); // cadence only; safety checks use the lease
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPassFailed(_logger, ex);
            }
        }
    }

    /// <summary>One pass.</summary>
    public async Task PassAsync(CancellationToken ct)
    {
        var listed = await _driver.ListAsync(ct).ConfigureAwait(false);
        if (!listed.IsOk)
        {
            LogListFailed(_logger, listed.Error!.ToString());
            return;
        }

        var vms = listed.Value;
        var view = _node.View;
        foreach (var v in vms.Where(v => !view.Vms.ContainsKey(v.Vm.Name) && !_definitions.ContainsKey(v.Vm.Name)))
        {
            // A VM the cluster does not know yet: describe it once, so that it can be restarted elsewhere.
            var described = await _driver.DescribeAsync(v.Vm, ct).ConfigureAwait(false);
            _definitions[v.Vm.Name] = described.IsOk
                ? new VmDescription(JsonSerializer.Serialize(described.Value, HypervisorJsonContext.Default.VmDefinition), described.Value.Cpus ?? 0, described.Value.MemoryMiB ?? 0)
                : null;
        }

        var listedNames = vms.Select(v => v.Vm.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string gone in _definitions.Keys.Where(n => !listedNames.Contains(n) || view.Vms.ContainsKey(n)).ToList())
        {
            _definitions.Remove(gone);
        }

        var runningNames = vms.Where(v => IsOn(v.State)).Select(v => v.Vm.Name).ToHashSet(StringComparer.Ordinal);
        _stopping.IntersectWith(runningNames);

        _inventory.Listed([.. vms.Select(v => (v.Vm.Name, IsOn(v.State), _definitions.GetValueOrDefault(v.Vm.Name)))]);
        string me = _state.Options.Name;
        _inventory.ForgetFailures(n => view.Vms.TryGetValue(n, out var e) && e.Host == me);
        view.Hosts.TryGetValue(me, out var host);
        bool mayRun = _state.Registered && !_state.SelfFenced && _state.Lease.IsValid
            && host is { Phase: HostPhase.Active, Fenced: false } && host.Generation == _state.Generation;

        foreach (var vm in vms.Where(v => IsOn(v.State)))
        {
            if (!view.Vms.TryGetValue(vm.Vm.Name, out var entry))
            {
                continue; // not ours to manage: reported, the leader decides
            }

            if (entry.Host != me)
            {
                // Assigned elsewhere (a newer epoch): a stale copy must not run.
                await StopAsync(vm.Vm, entry.Epoch, PowerOffMode.Hard, unregister: true, $"now owned by {entry.Host ?? "nobody"} at epoch {entry.Epoch}", ct).ConfigureAwait(false);
            }
            else if (!entry.Run)
            {
                await StopAsync(vm.Vm, entry.Epoch, PowerOffMode.Soft, unregister: false, "the committed state says stop", ct).ConfigureAwait(false);
            }
            else
            {
                _inventory.Started(vm.Vm.Name, entry.Epoch); // running for the current epoch
            }
        }

        foreach (var vm in vms.Where(v => !IsOn(v.State)))
        {
            if (view.Vms.TryGetValue(vm.Vm.Name, out var entry) && entry.Host is { } owner && owner != me)
            {
                // Off here and another host's now (it moved, or its destroy here outlived the
                // call): forget the stale definition, so that it cannot be started here by hand
                // and no host-local copy of an old configuration stays behind.
                await ForgetAsync(vm.Vm, owner, entry.Epoch, ct).ConfigureAwait(false);
            }
        }

        if (!mayRun)
        {
            return;
        }

        foreach (var entry in view.VmsOn(me).Where(v => v.Run))
        {
            if (runningNames.Contains(entry.Name))
            {
                continue;
            }

            // Re-check right before acting: the lease may have lapsed during this pass.
            if (!_state.Lease.IsValid || _state.SelfFenced)
            {
                return;
            }

            await StartAsync(entry, ct).ConfigureAwait(false);
        }
    }

    private async Task StartAsync(VmEntry entry, CancellationToken ct)
    {
        var definition = Definition(entry);
        var registered = await _driver.RegisterAsync(definition, ct).ConfigureAwait(false);
        if (!registered.IsOk)
        {
            _inventory.Failed(entry.Name, entry.Epoch, registered.Error!.ToString());
            LogStartFailed(_logger, entry.Name, entry.Epoch, registered.Error.ToString());
            return;
        }

        var on = await _driver.PowerOnAsync(registered.Value, ct).ConfigureAwait(false);
        if (on.IsOk)
        {
            _inventory.Started(entry.Name, entry.Epoch);
            _journal.RecordEvent("VmStarted", Subjects.Vm(entry.Name), $"started for epoch {entry.Epoch} (generation {_state.Generation})", null, "running");
            LogStarted(_logger, entry.Name, entry.Epoch);
        }
        else
        {
            _inventory.Failed(entry.Name, entry.Epoch, on.Error!.ToString());
            LogStartFailed(_logger, entry.Name, entry.Epoch, on.Error.ToString());
        }
    }

    private async Task StopAsync(VmRef vm, long epoch, PowerOffMode mode, bool unregister, string why, CancellationToken ct)
    {
        var off = await _driver.PowerOffAsync(vm, mode, ct).ConfigureAwait(false);
        if (!off.IsOk)
        {
            _inventory.Failed(vm.Name, epoch, off.Error!.ToString());
            return;
        }

        // A power-off that returned is not a VM that is off: a guest shutdown (libvirt's
        // virDomainShutdown, VIX's from-guest power-off) returns at once and the guest runs on
        // for a while, and a destroyed process may linger. Reporting it stopped now would let the
        // appliance start it on another host while this copy still writes its disk. Only the
        // hypervisor's listing says it is off; until then it is reported running, and the stop is
        // asked again at every pass.
        if (await IsOnAsync(vm, ct).ConfigureAwait(false))
        {
            LogStillOn(_logger, vm.Name, why);
        }
        else
        {
            _inventory.Stopped(vm.Name);
            if (unregister)
            {
                await _driver.UnregisterAsync(vm, ct).ConfigureAwait(false);
            }
        }

        if (_stopping.Add(vm.Name))
        {
            _journal.RecordEvent("VmStopped", Subjects.Vm(vm.Name), why, "running", unregister ? "unregistered" : "stopped");
            LogStopped(_logger, vm.Name, why);
        }
    }

    private async Task ForgetAsync(VmRef vm, string owner, long epoch, CancellationToken ct)
    {
        var undefined = await _driver.UnregisterAsync(vm, ct).ConfigureAwait(false);
        if (undefined.IsOk)
        {
            _journal.RecordEvent("VmUnregistered", Subjects.Vm(vm.Name), $"stale definition removed: {owner} owns it at epoch {epoch}", "stopped", "unregistered");
            LogForgot(_logger, vm.Name, owner);
        }
        else
        {
            LogForgetFailed(_logger, vm.Name, undefined.Error!.ToString());
        }
    }

    /// <summary>True unless the hypervisor lists the VM off (or not at all); a failed listing counts as on.</summary>
    private async Task<bool> IsOnAsync(VmRef vm, CancellationToken ct)
    {
        var listed = await _driver.ListAsync(ct).ConfigureAwait(false);
        return !listed.IsOk || listed.Value.Any(v => v.Vm.Name == vm.Name && IsOn(v.State));
    }

    private VmDefinition Definition(VmEntry entry)
    {
        if (entry.Definition is { Length: > 0 } json)
        {
            try
            {
                if (JsonSerializer.Deserialize(json, HypervisorJsonContext.Default.VmDefinition) is { } d)
                {
                    return d;
                }
            }
            catch (JsonException)
            {
                // Fall through: a definition we cannot read is reported by the driver's validation.
            }
        }

        return _driver.Kind == "sim" ? VmDefinition.ForSim(entry.Name) : new VmDefinition { Name = entry.Name, Kind = VmKind.Sim };
    }

    private static bool IsOn(VmPowerState s) => s is VmPowerState.Running or VmPowerState.Starting or VmPowerState.Paused;

    [LoggerMessage(EventId = 5900, Level = LogLevel.Information, Message = "Started VM {Vm} for epoch {Epoch}")]
    private static partial void LogStarted(ILogger logger, string vm, long epoch);

    [LoggerMessage(EventId = 5901, Level = LogLevel.Warning, Message = "Could not start VM {Vm} for epoch {Epoch}: {Error}")]
    private static partial void LogStartFailed(ILogger logger, string vm, long epoch, string error);

    [LoggerMessage(EventId = 5902, Level = LogLevel.Information, Message = "Stopped VM {Vm}: {Why}")]
    private static partial void LogStopped(ILogger logger, string vm, string why);

    [LoggerMessage(EventId = 5905, Level = LogLevel.Debug, Message = "VM {Vm} is still on after its power-off was asked ({Why}); reported running until the hypervisor lists it off")]
    private static partial void LogStillOn(ILogger logger, string vm, string why);

    [LoggerMessage(EventId = 5906, Level = LogLevel.Information, Message = "Unregistered the stale definition of VM {Vm}: {Owner} owns it")]
    private static partial void LogForgot(ILogger logger, string vm, string owner);

    [LoggerMessage(EventId = 5907, Level = LogLevel.Warning, Message = "Could not unregister the stale definition of VM {Vm}: {Error}")]
    private static partial void LogForgetFailed(ILogger logger, string vm, string error);

    [LoggerMessage(EventId = 5903, Level = LogLevel.Warning, Message = "Hypervisor listing failed: {Error}")]
    private static partial void LogListFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5904, Level = LogLevel.Error, Message = "Reconcile pass failed; retrying")]
    private static partial void LogPassFailed(ILogger logger, Exception ex);
}
