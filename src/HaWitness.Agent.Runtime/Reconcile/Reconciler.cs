using System.Text.Json;
using HaWitness.Cluster.Raft;
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
    private readonly RaftNode _node;
    private readonly IHypervisorDriver _driver;
    private readonly VmInventory _inventory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly JournalStore _journal;
    // Definitions of listed VMs the cluster does not know yet (null: the driver could not describe
    // it; asked once, not every pass). Pruned to the listed, unknown VMs each pass.
    private readonly Dictionary<string, string?> _definitions = new(StringComparer.Ordinal);

    // VMs whose stop was asked and journaled while they are still listed running (a soft stop
    // takes a while): asked again each pass, journaled once.
    private readonly HashSet<string> _stopping = new(StringComparer.Ordinal);

    /// <summary>Creates the reconciler and wakes it on every applied command.</summary>
    public Reconciler(AgentState state, RaftNode node, IHypervisorDriver driver, VmInventory inventory, JournalStore journal, ILogger<Reconciler> logger)
    {
        _journal = journal;
        _state = state;
        _node = node;
        _driver = driver;
        _inventory = inventory;
        _logger = logger;
        node.State.Applied += (_, _, _) => Wake();
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

    /// <summary>Runs until cancelled: a pass on every change, and at least every second.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PassAsync(ct).ConfigureAwait(false);
                await _wake.WaitAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false); // cadence only; safety checks use the lease
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
            _definitions[v.Vm.Name] = described.IsOk ? JsonSerializer.Serialize(described.Value, HypervisorJsonContext.Default.VmDefinition) : null;
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
                await StopAsync(vm.Vm, PowerOffMode.Hard, unregister: true, $"now owned by {entry.Host ?? "nobody"} at epoch {entry.Epoch}", ct).ConfigureAwait(false);
            }
            else if (!entry.Run)
            {
                await StopAsync(vm.Vm, PowerOffMode.Soft, unregister: false, "the committed state says stop", ct).ConfigureAwait(false);
            }
            else
            {
                _inventory.Started(vm.Vm.Name, entry.Epoch); // running for the current epoch
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
            _inventory.Failed(entry.Name, registered.Error!.ToString());
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
            _inventory.Failed(entry.Name, on.Error!.ToString());
            LogStartFailed(_logger, entry.Name, entry.Epoch, on.Error.ToString());
        }
    }

    private async Task StopAsync(VmRef vm, PowerOffMode mode, bool unregister, string why, CancellationToken ct)
    {
        var off = await _driver.PowerOffAsync(vm, mode, ct).ConfigureAwait(false);
        if (!off.IsOk)
        {
            _inventory.Failed(vm.Name, off.Error!.ToString());
            return;
        }

        _inventory.Stopped(vm.Name);
        if (unregister)
        {
            await _driver.UnregisterAsync(vm, ct).ConfigureAwait(false);
        }

        if (_stopping.Add(vm.Name))
        {
            _journal.RecordEvent("VmStopped", Subjects.Vm(vm.Name), why, "running", unregister ? "unregistered" : "stopped");
            LogStopped(_logger, vm.Name, why);
        }
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

    [LoggerMessage(EventId = 5903, Level = LogLevel.Warning, Message = "Hypervisor listing failed: {Error}")]
    private static partial void LogListFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5904, Level = LogLevel.Error, Message = "Reconcile pass failed; retrying")]
    private static partial void LogPassFailed(ILogger logger, Exception ex);
}
