using HaWitness.Hypervisors.Calls;
using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Vix.Vmrun;

/// <summary>
/// VMware through <c>vmrun</c>, the CLI shipped with Workstation and Fusion, for hosts without the
/// VIX library. Each call is one <c>vmrun</c> process with an argument vector of validated values,
/// killed when it outlives the call timeout.
/// </summary>
internal sealed partial class VmrunDriver : IHypervisorDriver
{
    private readonly VmrunOptions _options;
    private readonly CallGate _gate;
    private readonly ILogger _log;

    private VmrunDriver(VmrunOptions options, CallGate gate, ILogger log)
    {
        _options = options;
        _gate = gate;
        _log = log;
    }

    public string Kind => "vmrun";

    private bool HasRegistry => _options.HostType is "server" or "server1" or "esx" or "vc";

    public static HvResult<IHypervisorDriver> Create(HypervisorOptions options, TimeProvider time, ILogger log)
    {
        var vmrun = options.Vmrun;
        if (VmrunCommand.Check(vmrun) is { } why)
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.InvalidArgument, why);
        }

        if (!File.Exists(vmrun.Path))
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.LibraryMissing, $"vmrun: {vmrun.Path} does not exist (install VMware Workstation/Fusion or the VIX API, or set the vmrun path)");
        }

        LogCreated(log, vmrun.Path, vmrun.HostType);
        return new VmrunDriver(vmrun, new CallGate(options.CallTimeout, options.MaxStuckCalls, time), log);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async ValueTask<HvResult<IReadOnlyList<VmStatus>>> ListAsync(CancellationToken cancellationToken)
    {
        var running = await RunAsync("list running VMs", HypervisorErrorKind.Failed, cancellationToken, "list").ConfigureAwait(false);
        if (!running.IsOk)
        {
            return running.Error!;
        }

        var runningPaths = VmrunCommand.ParseList(running.Value.StdOut);
        var all = new List<string>(runningPaths);
        if (HasRegistry)
        {
            var registered = await RunAsync("list registered VMs", HypervisorErrorKind.Failed, cancellationToken, "listRegisteredVM").ConfigureAwait(false);
            if (!registered.IsOk)
            {
                return registered.Error!;
            }

            all.AddRange(VmrunCommand.ParseList(registered.Value.StdOut));
        }

        return all.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(path => new VmStatus(new VmRef(VmNames.FromVmxPath(path), path), StateOf(path, runningPaths), "vmrun"))
            .ToList();
    }

    public async ValueTask<HvResult<VmRef>> RegisterAsync(VmDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Kind != VmKind.Vix)
        {
            return HvResult<VmRef>.Fail(HypervisorErrorKind.InvalidArgument, $"register {definition.Name}: a {definition.Kind} definition cannot run on vmrun");
        }

        if (definition.Validate() is { } invalid)
        {
            return invalid;
        }

        var vm = definition.Ref;
        if (HasRegistry)
        {
            var result = await RunAsync($"register {vm.Locator}", HypervisorErrorKind.Failed, cancellationToken, "register", vm.Locator).ConfigureAwait(false);
            if (!result.IsOk && !result.Error!.Message.Contains("already", StringComparison.OrdinalIgnoreCase))
            {
                return result.Error;
            }
        }
        else if (!vm.Locator.StartsWith('[') && !File.Exists(vm.Locator))
        {
            return HvResult<VmRef>.Fail(HypervisorErrorKind.NotFound, $"register {vm.Name}: {vm.Locator} does not exist on this host");
        }

        LogDone(_log, "registered", vm.Name);
        return vm;
    }

    public async ValueTask<HvResult> PowerOnAsync(VmRef vm, CancellationToken cancellationToken)
    {
        var result = await OnVmAsync(vm, "start", HypervisorErrorKind.StartFailed, cancellationToken, "start", vm?.Locator!, "nogui").ConfigureAwait(false);
        return result.Error is { Kind: HypervisorErrorKind.InvalidState } && result.Error.Message.Contains("already running", StringComparison.OrdinalIgnoreCase)
            ? HvResult.Ok
            : result;
    }

    public async ValueTask<HvResult> PowerOffAsync(VmRef vm, PowerOffMode mode, CancellationToken cancellationToken)
    {
        var result = await OnVmAsync(vm, "stop", HypervisorErrorKind.Failed, cancellationToken, "stop", vm?.Locator!, mode == PowerOffMode.Soft ? "soft" : "hard").ConfigureAwait(false);
        return result.Error is { Kind: HypervisorErrorKind.InvalidState } ? HvResult.Ok : result;
    }

    public ValueTask<HvResult> SuspendAsync(VmRef vm, CancellationToken cancellationToken) =>
        OnVmAsync(vm, "suspend", HypervisorErrorKind.Failed, cancellationToken, "suspend", vm?.Locator!, "hard");

    public async ValueTask<HvResult> UnregisterAsync(VmRef vm, CancellationToken cancellationToken)
    {
        if (VmNames.CheckVmxLocator(vm, "unregister") is { } invalid)
        {
            return invalid;
        }

        if (!HasRegistry)
        {
            var list = await RunAsync("list running VMs", HypervisorErrorKind.Failed, cancellationToken, "list").ConfigureAwait(false);
            if (!list.IsOk)
            {
                return list.AsResult();
            }

            return VmrunCommand.ParseList(list.Value.StdOut).Contains(vm.Locator, StringComparer.Ordinal)
                ? HvResult.Fail(HypervisorErrorKind.InvalidState, $"unregister {vm.Locator}: the VM is running; power it off first")
                : HvResult.Ok;
        }

        var result = await OnVmAsync(vm, "unregister", HypervisorErrorKind.Failed, cancellationToken, "unregister", vm.Locator).ConfigureAwait(false);
        return result.Error is { Kind: HypervisorErrorKind.NotFound } ? HvResult.Ok : result;
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

    /// <summary>vmrun has no power-state query: running VMs are listed; a suspended one has its .vmss beside the .vmx.</summary>
    private static VmPowerState StateOf(string path, IReadOnlyList<string> running)
    {
        if (running.Contains(path, StringComparer.Ordinal))
        {
            return VmPowerState.Running;
        }

        return path.StartsWith('/') && File.Exists(Path.ChangeExtension(path, ".vmss")) ? VmPowerState.Suspended : VmPowerState.Off;
    }

    private async ValueTask<HvResult> OnVmAsync(VmRef vm, string what, HypervisorErrorKind fallback, CancellationToken cancellationToken, params string[] args)
    {
        if (VmNames.CheckVmxLocator(vm, what) is { } invalid)
        {
            return invalid;
        }

        var result = await RunAsync($"{what} {vm.Locator}", fallback, cancellationToken, args).ConfigureAwait(false);
        if (result.IsOk)
        {
            LogDone(_log, what, vm.Name);
        }
        else
        {
            LogFailed(_log, what, vm.Name, result.Error!.ToString());
        }

        return result.AsResult();
    }

    private async Task<HvResult<ProcessOutput>> RunAsync(string what, HypervisorErrorKind fallback, CancellationToken cancellationToken, params string[] args)
    {
        var argv = VmrunCommand.Build(_options, args[0], args[1..]);
        var run = await ProcessRunner.RunAsync(_options.Path, argv, _gate, "vmrun " + what, cancellationToken).ConfigureAwait(false);
        if (!run.IsOk)
        {
            return run;
        }

        return run.Value.ExitCode == 0 ? run : VmrunCommand.Error(run.Value, "vmrun " + what, fallback);
    }
}
