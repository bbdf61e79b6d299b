namespace HaWitness.Hypervisors.Vix;

internal sealed partial class VixDriver
{
    public async ValueTask<HvResult<IReadOnlyList<VmStatus>>> ListAsync(CancellationToken cancellationToken)
    {
        var host = await HostAsync(cancellationToken).ConfigureAwait(false);
        if (!host.IsOk)
        {
            return host.Error!;
        }

        var paths = new List<string>();
        var running = await RunJobAsync("VIX find running VMs", false, job => VixNativeCalls.Find(host.Value, VixConstants.FindRunningVms, job), cancellationToken, found: paths).ConfigureAwait(false);
        if (!running.IsOk)
        {
            return running.Error!;
        }

        if (HasRegistry)
        {
            var registered = await RunJobAsync("VIX find registered VMs", false, job => VixNativeCalls.Find(host.Value, VixConstants.FindRegisteredVms, job), cancellationToken, found: paths).ConfigureAwait(false);
            if (!registered.IsOk)
            {
                return registered.Error!;
            }
        }

        var list = new List<VmStatus>();
        foreach (string path in paths.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var vm = new VmRef(VmNames.FromVmxPath(path), path);
            var state = await PowerStateAsync(host.Value, vm, cancellationToken).ConfigureAwait(false);
            if (state.IsOk)
            {
                list.Add(new VmStatus(vm, VixConstants.PowerState(state.Value), VixConstants.Describe(state.Value)));
            }
            else if (state.Error!.Kind != HypervisorErrorKind.NotFound)
            {
                return state.Error;
            }

            // NotFound: the VM vanished between the search and the look; it is not on the host.
        }

        return list;
    }

    public async ValueTask<HvResult<VmRef>> RegisterAsync(VmDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Kind != VmKind.Vix)
        {
            return HvResult<VmRef>.Fail(HypervisorErrorKind.InvalidArgument, $"register {definition.Name}: a {definition.Kind} definition cannot run on VIX");
        }

        if (definition.Validate() is { } invalid)
        {
            return invalid;
        }

        var vm = definition.Ref;
        var host = await HostAsync(cancellationToken).ConfigureAwait(false);
        if (!host.IsOk)
        {
            return host.Error!;
        }

        if (HasRegistry)
        {
            var registered = await RunJobAsync($"VIX register {vm.Locator}", false, job => VixNativeCalls.Register(host.Value, vm.Locator, job), cancellationToken).ConfigureAwait(false);
            if (!registered.IsOk)
            {
                return registered.Error!;
            }
        }

        // Opening proves the .vmx is there and loads; Workstation has nothing else to register.
        var opened = await WithVmAsync(host.Value, vm, _ => Task.FromResult(HvResult<int>.Ok(0)), cancellationToken).ConfigureAwait(false);
        if (!opened.IsOk)
        {
            return opened.Error!;
        }

        LogRegistered(_log, vm.Name, vm.Locator);
        return vm;
    }

    public async ValueTask<HvResult> PowerOnAsync(VmRef vm, CancellationToken cancellationToken)
    {
        var result = await OnVmAsync(vm, "power on", (handle, ct) => RunJobAsync($"VIX power on {vm.Locator}", false, job => VixNativeCalls.PowerOn(handle, job), ct, HypervisorErrorKind.StartFailed), cancellationToken).ConfigureAwait(false);
        if (result.Error is { NativeCode: VixConstants.EVmIsRunning })
        {
            return HvResult.Ok;
        }

        if (result.IsOk)
        {
            LogPowered(_log, vm.Name, "on");
        }

        return result;
    }

    public async ValueTask<HvResult> PowerOffAsync(VmRef vm, PowerOffMode mode, CancellationToken cancellationToken)
    {
        int options = mode == PowerOffMode.Soft ? VixConstants.PowerOpFromGuest : VixConstants.PowerOpNormal;
        var result = await OnVmAsync(vm, "power off", (handle, ct) => RunJobAsync($"VIX power off ({mode}) {vm.Locator}", false, job => VixNativeCalls.PowerOff(handle, options, job), ct), cancellationToken).ConfigureAwait(false);
        if (result.Error is { NativeCode: VixConstants.EVmNotRunning })
        {
            return HvResult.Ok;
        }

        if (result.IsOk)
        {
            LogPowered(_log, vm.Name, "off (" + mode + ")");
        }

        return result;
    }

    public async ValueTask<HvResult> SuspendAsync(VmRef vm, CancellationToken cancellationToken)
    {
        return await OnVmAsync(vm, "suspend", async (handle, ct) =>
        {
            var bits = GetInt(handle, VixConstants.PropertyVmPowerState, $"VIX power state of {vm.Locator}");
            if (bits.IsOk && (bits.Value & VixConstants.Suspended) != 0)
            {
                return 0;
            }

            return await RunJobAsync($"VIX suspend {vm.Locator}", false, job => VixNativeCalls.Suspend(handle, job), ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<HvResult> UnregisterAsync(VmRef vm, CancellationToken cancellationToken)
    {
        if (VmNames.CheckVmxLocator(vm, "unregister") is { } invalid)
        {
            return invalid;
        }

        var host = await HostAsync(cancellationToken).ConfigureAwait(false);
        if (!host.IsOk)
        {
            return host.Error!;
        }

        if (!HasRegistry)
        {
            // Nothing to unregister on Workstation; still refuse while it runs, as the interface promises.
            var state = await PowerStateAsync(host.Value, vm, cancellationToken).ConfigureAwait(false);
            if (state.IsOk && VixConstants.PowerState(state.Value) is VmPowerState.Running or VmPowerState.Starting or VmPowerState.Stopping)
            {
                return HvResult.Fail(HypervisorErrorKind.InvalidState, $"unregister {vm.Locator}: the VM is running; power it off first", VixConstants.EVmIsRunning);
            }

            return state.IsOk || state.Error!.Kind == HypervisorErrorKind.NotFound ? HvResult.Ok : state.AsResult();
        }

        var result = await RunJobAsync($"VIX unregister {vm.Locator}", false, job => VixNativeCalls.Unregister(host.Value, vm.Locator, job), cancellationToken).ConfigureAwait(false);
        if (result.Error is { Kind: HypervisorErrorKind.NotFound })
        {
            return HvResult.Ok;
        }

        if (result.IsOk)
        {
            LogUnregistered(_log, vm.Name, vm.Locator);
        }

        return result.AsResult();
    }

    /// <summary>A VMware VM is its <c>.vmx</c> path (the locator), on the shared storage.</summary>
    public ValueTask<HvResult<VmDefinition>> DescribeAsync(VmRef vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var definition = VmDefinition.ForVix(vm.Name, vm.Locator);
        return ValueTask.FromResult(definition.Validate() is { } invalid ? (HvResult<VmDefinition>)invalid : definition);
    }

    public ValueTask<HvResult<HostCapacity>> GetCapacityAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(LocalCapacity.Read());

    private async Task<HvResult<int>> PowerStateAsync(int host, VmRef vm, CancellationToken cancellationToken) =>
        await WithVmAsync(host, vm, handle => Task.FromResult(GetInt(handle, VixConstants.PropertyVmPowerState, $"VIX power state of {vm.Locator}")), cancellationToken).ConfigureAwait(false);

    private async Task<HvResult> OnVmAsync(VmRef vm, string what, Func<int, CancellationToken, Task<HvResult<int>>> action, CancellationToken cancellationToken)
    {
        if (VmNames.CheckVmxLocator(vm, what) is { } invalid)
        {
            return invalid;
        }

        var host = await HostAsync(cancellationToken).ConfigureAwait(false);
        if (!host.IsOk)
        {
            return host.AsResult();
        }

        var result = await WithVmAsync(host.Value, vm, handle => action(handle, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (!result.IsOk)
        {
            LogCallFailed(_log, what, vm.Name, result.Error!.ToString());
        }

        return result.AsResult();
    }

    /// <summary>Opens the VM, runs <paramref name="action"/> with its handle, releases the handle.</summary>
    private async Task<HvResult<int>> WithVmAsync(int host, VmRef vm, Func<int, Task<HvResult<int>>> action, CancellationToken cancellationToken)
    {
        var opened = await RunJobAsync($"VIX open {vm.Locator}", true, job => VixNativeCalls.Open(host, vm.Locator, job), cancellationToken).ConfigureAwait(false);
        if (!opened.IsOk)
        {
            return opened;
        }

        try
        {
            return await action(opened.Value).ConfigureAwait(false);
        }
        finally
        {
            VixNative.Vix_ReleaseHandle(opened.Value);
        }
    }

    private static HvResult<int> GetInt(int handle, int property, string what)
    {
        ulong err = VixShimNative.hwvix_get_int(handle, property, out int value);
        return err == 0 ? value : VixErrors.Map(err, what);
    }
}
