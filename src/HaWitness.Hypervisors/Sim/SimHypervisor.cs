using HaWitness.Hypervisors.Calls;
using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Sim;

/// <summary>
/// A SIMULATED hypervisor, in process: VMs are records with a power state, nothing runs. For demos
/// and scale tests (<c>--hypervisor sim --sim-vms N</c> gives the host N VMs named
/// <c>HOST-vm01</c>…). Faults can be injected per operation and VM: a typed failure, a hang (the
/// call times out like a wedged hypervisor), or a VM that vanishes.
/// </summary>
public sealed partial class SimHypervisor : IHypervisorDriver
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SimVm> _vms = new(StringComparer.Ordinal);
    private readonly List<Fault> _faults = [];
    private readonly CallGate _gate;
    private readonly SimOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Dictionary<string, long> _shutdowns = new(StringComparer.Ordinal); // VM → when its guest shutdown ends (monotonic)

    /// <summary>Creates the host with <see cref="SimOptions.Vms"/> VMs named after <see cref="HypervisorOptions.HostName"/>, all off.</summary>
    public SimHypervisor(HypervisorOptions options, TimeProvider time, ILogger<SimHypervisor> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Sim;
        _time = time;
        _log = log;
        _gate = new CallGate(options.CallTimeout, options.MaxStuckCalls, time);
        foreach (var name in InitialNames(options.HostName, _options.Vms))
        {
            _vms[name] = new SimVm(name, VmPowerState.Off);
        }

        LogCreated(_log, options.HostName, _vms.Count);
    }

    /// <inheritdoc/>
    public string Kind => "sim";

    /// <summary>How many calls this simulation has served (demos and scale tests report it).</summary>
    public int CallCount { get; private set; }

    /// <summary>The names <c>HOST-vm01</c>… for <paramref name="count"/> VMs (at least two digits).</summary>
    public static IReadOnlyList<string> InitialNames(string host, int count)
    {
        int width = Math.Max(2, count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        return Enumerable.Range(1, Math.Max(0, count))
            .Select(i => $"{host}-vm{i.ToString("D" + width, System.Globalization.CultureInfo.InvariantCulture)}")
            .ToList();
    }

    /// <summary>A snapshot of the simulated VMs.</summary>
    public IReadOnlyList<SimVm> Vms
    {
        get
        {
            lock (_lock)
            {
                return _vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Makes <paramref name="operation"/> fail with <paramref name="kind"/> (for <paramref name="vm"/> only, or any VM when null) <paramref name="times"/> times (0 = until cleared).</summary>
    public void InjectFailure(SimOperation operation, HypervisorErrorKind kind, string? vm = null, int times = 0)
    {
        lock (_lock)
        {
            _faults.Add(new Fault(operation, vm, kind, Hang: false, times == 0 ? int.MaxValue : times));
        }
    }

    /// <summary>Makes <paramref name="operation"/> hang (until cleared), as a wedged hypervisor does; callers get a timeout.</summary>
    public void InjectHang(SimOperation operation, string? vm = null)
    {
        lock (_lock)
        {
            _faults.Add(new Fault(operation, vm, HypervisorErrorKind.Timeout, Hang: true, int.MaxValue));
        }
    }

    /// <summary>Removes every injected fault.</summary>
    public void ClearFaults()
    {
        lock (_lock)
        {
            _faults.Clear();
        }
    }

    /// <summary>The VM disappears from the host behind the driver's back (deleted, host reinstalled).</summary>
    public bool Vanish(string vm)
    {
        lock (_lock)
        {
            return _vms.Remove(vm);
        }
    }

    /// <summary>The VM crashes (as if its process died).</summary>
    public void Crash(string vm) => Set(vm, VmPowerState.Crashed);

    /// <inheritdoc/>
    public ValueTask<HvResult<IReadOnlyList<VmStatus>>> ListAsync(CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<VmStatus>>(SimOperation.List, null, () =>
            _vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal)
                .Select(v => new VmStatus(new VmRef(v.Name, v.Name), v.State, "simulated")).ToList(), cancellationToken);

    /// <inheritdoc/>
    public ValueTask<HvResult<VmRef>> RegisterAsync(VmDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Validate() is { } invalid)
        {
            return ValueTask.FromResult<HvResult<VmRef>>(invalid);
        }

        return RunAsync<VmRef>(SimOperation.Register, definition.Name, () =>
        {
            _vms.TryAdd(definition.Name, new SimVm(definition.Name, VmPowerState.Off));
            return new VmRef(definition.Name, definition.Name);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<HvResult> PowerOnAsync(VmRef vm, CancellationToken cancellationToken) =>
        Transition(SimOperation.PowerOn, vm, cancellationToken, v => (v.State == VmPowerState.Running ? null : VmPowerState.Running, null));

    /// <inheritdoc/>
    public ValueTask<HvResult> PowerOffAsync(VmRef vm, PowerOffMode mode, CancellationToken cancellationToken) =>
        Transition(SimOperation.PowerOff, vm, cancellationToken, v =>
        {
            if (v.State == VmPowerState.Off)
            {
                return (null, null);
            }

            if (mode == PowerOffMode.Soft && _options.GuestShutdown > TimeSpan.Zero && v.State == VmPowerState.Running)
            {
                // The guest was asked; it goes on running until its shutdown is done.
                _shutdowns.TryAdd(v.Name, _time.GetTimestamp() + (long)(_options.GuestShutdown.TotalSeconds * _time.TimestampFrequency));
                return (null, null);
            }

            _shutdowns.Remove(v.Name);
            return (VmPowerState.Off, null);
        });

    /// <inheritdoc/>
    public ValueTask<HvResult> SuspendAsync(VmRef vm, CancellationToken cancellationToken) =>
        Transition(SimOperation.Suspend, vm, cancellationToken, v => v.State switch
        {
            VmPowerState.Suspended => (null, null),
            VmPowerState.Running => (VmPowerState.Suspended, null),
            _ => (null, new HypervisorError(HypervisorErrorKind.InvalidState, $"suspend {v.Name}: it is {v.State}, not running")),
        });

    /// <inheritdoc/>
    public async ValueTask<HvResult> UnregisterAsync(VmRef vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var result = await RunAsync<bool>(SimOperation.Unregister, vm.Name, () =>
        {
            if (_vms.TryGetValue(vm.Name, out var v) && v.State is VmPowerState.Running or VmPowerState.Paused)
            {
                return new HypervisorError(HypervisorErrorKind.InvalidState, $"unregister {vm.Name}: it is {v.State}; power it off first");
            }

            return _vms.Remove(vm.Name);
        }, cancellationToken).ConfigureAwait(false);
        return result.AsResult();
    }

    /// <inheritdoc/>
    /// <inheritdoc/>
    public ValueTask<HvResult<VmDefinition>> DescribeAsync(VmRef vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        lock (_lock)
        {
            return ValueTask.FromResult(_vms.ContainsKey(vm.Name)
                ? HvResult<VmDefinition>.Ok(VmDefinition.ForSim(vm.Name))
                : HvResult<VmDefinition>.Fail(HypervisorErrorKind.NotFound, $"sim: no VM {vm.Name}"));
        }
    }

    public ValueTask<HvResult<HostCapacity>> GetCapacityAsync(CancellationToken cancellationToken) =>
        RunAsync<HostCapacity>(SimOperation.Capacity, null, () => new HostCapacity(_options.Cpus, _options.MemoryMiB * 1024 * 1024, "sim"), cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _disposed.Cancel();
        _disposed.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Powers off the guests whose shutdown is done (call under the lock).</summary>
    private void EndShutdowns()
    {
        if (_shutdowns.Count == 0)
        {
            return;
        }

        long now = _time.GetTimestamp();
        foreach (var (vm, due) in _shutdowns.Where(kv => kv.Value <= now).ToList())
        {
            _shutdowns.Remove(vm);
            if (_vms.TryGetValue(vm, out var current) && current.State == VmPowerState.Running)
            {
                _vms[vm] = current with { State = VmPowerState.Off };
                LogTransition(_log, vm, current.State, VmPowerState.Off);
            }
        }
    }

    private void Set(string vm, VmPowerState state)
    {
        lock (_lock)
        {
            if (_vms.ContainsKey(vm))
            {
                _vms[vm] = new SimVm(vm, state);
            }
        }
    }

    private async ValueTask<HvResult> Transition(SimOperation op, VmRef vm, CancellationToken cancellationToken, Func<SimVm, (VmPowerState? State, HypervisorError? Error)> next)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var result = await RunAsync<bool>(op, vm.Name, () =>
        {
            if (!_vms.TryGetValue(vm.Name, out var current))
            {
                return new HypervisorError(HypervisorErrorKind.NotFound, $"{op} {vm.Name}: no such VM on this (simulated) host");
            }

            var n = next(current);
            if (n.Error is not null)
            {
                return n.Error;
            }

            if (n.State is { } state)
            {
                _vms[vm.Name] = current with { State = state };
                LogTransition(_log, vm.Name, current.State, state);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        return result.AsResult();
    }

    private async ValueTask<HvResult<T>> RunAsync<T>(SimOperation op, string? vm, Func<HvResult<T>> body, CancellationToken cancellationToken)
    {
        Fault? fault;
        lock (_lock)
        {
            CallCount++;
            fault = _faults.FirstOrDefault(f => f.Operation == op && (f.Vm is null || f.Vm == vm) && f.Remaining > 0);
            if (fault is not null && !fault.Hang)
            {
                fault.Remaining--;
            }
        }

        if (fault is { Hang: true })
        {
            LogFault(_log, op, vm ?? "-", "hang");
            var hang = Task.Delay(Timeout.InfiniteTimeSpan, _time, _disposed.Token).ContinueWith(
                _ => HvResult<T>.Fail(HypervisorErrorKind.Failed, "simulated hypervisor disposed"), TaskScheduler.Default);
            return await _gate.WithTimeoutAsync($"{op} {vm}", hang, cancellationToken).ConfigureAwait(false);
        }

        if (fault is not null)
        {
            LogFault(_log, op, vm ?? "-", fault.Kind.ToString());
            return HvResult<T>.Fail(fault.Kind, $"{op} {vm}: injected failure ({fault.Kind}) in the simulated hypervisor");
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            EndShutdowns();
            return body();
        }
    }

    private sealed class Fault(SimOperation operation, string? vm, HypervisorErrorKind kind, bool Hang, int remaining)
    {
        public SimOperation Operation { get; } = operation;

        public string? Vm { get; } = vm;

        public HypervisorErrorKind Kind { get; } = kind;

        public bool Hang { get; } = Hang;

        public int Remaining { get; set; } = remaining;
    }
}
