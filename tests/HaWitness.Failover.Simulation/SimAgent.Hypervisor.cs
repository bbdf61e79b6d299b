using HaWitness.Hypervisors;

namespace HaWitness.Failover.Simulation;

internal enum VmPhase
{
    Starting,
    Running,
    Stopping,
}

internal sealed class VmRun(long epoch, VmPhase phase, DateTimeOffset until)
{
    public long Epoch { get; set; } = epoch;

    public VmPhase Phase { get; set; } = phase;

    public DateTimeOffset Until { get; set; } = until;
}

/// <summary>
/// Test double of one host's hypervisor, for the seeded simulation (the real drivers need
/// libvirt, VIX or wall-clock timing): the REAL agent code drives it through
/// <see cref="IHypervisorDriver"/>. A VM boots for 0.5–2 s after its power-on; a hard power-off
/// returns at once and the VM dies within 80 % of the host's power-off bound (a soft one within
/// 0.2–1 s), still powered on — and able to write — until then. Every call completes
/// synchronously, on the world's clock and its seeded random numbers. Faults: starts that fail
/// (a probability, or a count per VM).
/// </summary>
internal sealed class WorldHypervisor(World world, SimAgent agent) : IHypervisorDriver
{
    private readonly Dictionary<string, VmRun> _vms = new(StringComparer.Ordinal);
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Cpus, long MemoryMiB)> _sizes = new(StringComparer.Ordinal);

    public string Kind => "sim";

    /// <summary>Probability that a start fails (a fault the schedule turns on).</summary>
    public double StartFailure { get; set; }

    /// <summary>VMs whose next starts fail on this host, with how many (scenarios).</summary>
    public Dictionary<string, int> FailStarts { get; } = new(StringComparer.Ordinal);

    /// <summary>The VMs powered on (starting, running or dying), with the epoch the agent started them for.</summary>
    public IEnumerable<(string Vm, long Epoch)> PoweredOn => _vms.Select(kv => (kv.Key, kv.Value.Epoch));

    public bool IsRunning(string vm) => _vms.TryGetValue(vm, out var r) && r.Phase == VmPhase.Running;

    /// <summary>The agent now runs <paramref name="vm"/> for a newer epoch of the same owner (its report says so).</summary>
    public void Retag(string vm, long epoch)
    {
        if (_vms.TryGetValue(vm, out var run) && run.Phase != VmPhase.Stopping)
        {
            run.Epoch = epoch;
        }
    }

    /// <summary>A VM somebody defined and started on this host by hand, with its size: the cluster does not know it yet.</summary>
    public void Found(string vm, int cpus, long memoryMiB)
    {
        _defined.Add(vm);
        _sizes[vm] = (cpus, memoryMiB);
        _vms[vm] = new VmRun(0, VmPhase.Running, world.Now);
    }

    /// <summary>The machine lost power: nothing runs, nothing is defined.</summary>
    public void Crash()
    {
        _vms.Clear();
        _defined.Clear();
        _sizes.Clear();
    }

    /// <summary>Boots and dies what is due at <paramref name="now"/>.</summary>
    public void Advance(DateTimeOffset now)
    {
        List<string>? off = null;
        foreach (var (vm, run) in _vms)
        {
            if (run.Until > now)
            {
                continue;
            }

            if (run.Phase == VmPhase.Starting)
            {
                run.Phase = VmPhase.Running;
            }
            else if (run.Phase == VmPhase.Stopping)
            {
                (off ??= []).Add(vm);
            }
        }

        foreach (var vm in off ?? [])
        {
            _vms.Remove(vm);
            world.Trace($"{agent.Name}: {vm} is off");
        }
    }

    public ValueTask<HvResult<IReadOnlyList<VmStatus>>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<VmStatus>(_defined.Count);
        foreach (string vm in _defined.Order(StringComparer.Ordinal))
        {
            var state = !_vms.TryGetValue(vm, out var run) ? VmPowerState.Off
                : run.Phase == VmPhase.Starting ? VmPowerState.Starting
                : VmPowerState.Running; // a dying VM is still on
            list.Add(new VmStatus(new VmRef(vm, vm), state));
        }

        return ValueTask.FromResult(HvResult<IReadOnlyList<VmStatus>>.Ok(list));
    }

    public ValueTask<HvResult<VmRef>> RegisterAsync(VmDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _defined.Add(definition.Name);
        return ValueTask.FromResult(HvResult<VmRef>.Ok(new VmRef(definition.Name, definition.Name)));
    }

    public ValueTask<HvResult> PowerOnAsync(VmRef vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (_vms.ContainsKey(vm.Name))
        {
            return ValueTask.FromResult(HvResult.Ok);
        }

        // The epoch the agent starts it for: the one in the state it applied (its reconciler's pass reads the same).
        long epoch = agent.Replica.View.Vms.TryGetValue(vm.Name, out var entry) ? entry.Epoch : 0;
        world.CheckStart(agent, vm.Name, epoch);
        bool scripted = FailStarts.TryGetValue(vm.Name, out int left) && left > 0;
        if (scripted || (StartFailure > 0 && world.Random.NextDouble() < StartFailure))
        {
            if (scripted && left != int.MaxValue)
            {
                FailStarts[vm.Name] = left - 1;
            }

            world.Trace($"{agent.Name}: start of {vm.Name} at epoch {epoch} fails");
            return ValueTask.FromResult(HvResult.Fail(HypervisorErrorKind.StartFailed, "power on failed (simulated)"));
        }

        _vms[vm.Name] = new VmRun(epoch, VmPhase.Starting, world.Now + TimeSpan.FromMilliseconds(world.Random.Next(500, 2000)));
        world.Trace($"{agent.Name}: starts {vm.Name} at epoch {epoch}");
        return ValueTask.FromResult(HvResult.Ok);
    }

    public ValueTask<HvResult> PowerOffAsync(VmRef vm, PowerOffMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (_vms.TryGetValue(vm.Name, out var run) && run.Phase != VmPhase.Stopping)
        {
            run.Phase = VmPhase.Stopping;
            run.Until = world.Now + TimeSpan.FromMilliseconds(mode == PowerOffMode.Hard
                ? world.Random.Next(0, (int)(agent.PowerOffBoundMs * 0.8))
                : world.Random.Next(200, 1000));
            world.Trace($"{agent.Name}: powers {vm.Name} off ({mode}, epoch {run.Epoch})");
        }

        return ValueTask.FromResult(HvResult.Ok);
    }

    public ValueTask<HvResult> SuspendAsync(VmRef vm, CancellationToken cancellationToken) =>
        ValueTask.FromResult(HvResult.Fail(HypervisorErrorKind.Unsupported, "the simulation does not suspend"));

    public ValueTask<HvResult> UnregisterAsync(VmRef vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (_vms.ContainsKey(vm.Name))
        {
            return ValueTask.FromResult(HvResult.Fail(HypervisorErrorKind.InvalidState, "still running"));
        }

        _defined.Remove(vm.Name);
        return ValueTask.FromResult(HvResult.Ok);
    }

    public ValueTask<HvResult<VmDefinition>> DescribeAsync(VmRef vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var definition = _sizes.TryGetValue(vm.Name, out var size)
            ? VmDefinition.ForSim(vm.Name) with { Cpus = size.Cpus, MemoryMiB = size.MemoryMiB }
            : VmDefinition.ForSim(vm.Name);
        return ValueTask.FromResult(HvResult<VmDefinition>.Ok(definition));
    }

    public ValueTask<HvResult<HostCapacity>> GetCapacityAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(HvResult<HostCapacity>.Ok(new HostCapacity(agent.Cpus, agent.MemoryMb * 1024 * 1024, "simulation")));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
