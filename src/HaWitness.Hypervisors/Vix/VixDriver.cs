using HaWitness.Hypervisors.Calls;
using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Vix;

/// <summary>
/// VMware through the VIX 1.x C API (<c>libvixAllProducts.so</c>, path configurable), by P/Invoke.
/// Every call is a VIX job whose JOB_COMPLETED callback ends the wait, bounded by the call timeout;
/// results are then read with the shim's fixed-arity <c>VixJob_Wait</c>.
/// </summary>
internal sealed partial class VixDriver : IHypervisorDriver
{
    private readonly VixOptions _options;
    private readonly CallGate _gate;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private int _host = VixConstants.InvalidHandle;
    private bool _disposed;

    private VixDriver(VixOptions options, CallGate gate, ILogger log)
    {
        _options = options;
        _gate = gate;
        _log = log;
    }

    public string Kind => "vix";

    /// <summary>Whether this provider keeps a registry of VMs (Server, VI); Workstation and Player only open .vmx files.</summary>
    private bool HasRegistry => _options.Provider is VixProvider.ViServer or VixProvider.VmwareServer;

    /// <summary>
    /// Loads VIX and the shim. Fails with <see cref="HypervisorErrorKind.Unsupported"/> off linux-x64
    /// (VMware ships VIX for x86-64 only) and <see cref="HypervisorErrorKind.LibraryMissing"/> when
    /// either library cannot be loaded.
    /// </summary>
    public static HvResult<IHypervisorDriver> Create(HypervisorOptions options, TimeProvider time, ILogger log)
    {
        var vix = options.Vix;
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.Unsupported,
                $"VIX: VMware ships libvixAllProducts.so for linux-x64 only; this is {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}");
        }

        if (string.IsNullOrWhiteSpace(vix.Library) || vix.Library.Any(char.IsControl))
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.InvalidArgument, "VIX: the library path is empty or has control characters");
        }

        if (!File.Exists(vix.Library))
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.LibraryMissing, $"VIX: {vix.Library} does not exist (install the VMware VIX API or set the VIX library path)");
        }

        string shim = vix.ShimLibrary ?? Path.Combine(AppContext.BaseDirectory, VixShimNative.FileName);
        if (NativeLibraries.Load(VixShimNative.Library, shim) is { } shimError)
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.LibraryMissing, $"VIX: cannot load our shim {shim} (it ships beside the agent): {shimError}");
        }

        if (VixShimNative.hwvix_shim_version() != VixShimNative.ExpectedVersion)
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.LibraryMissing, $"VIX: {shim} is version {VixShimNative.hwvix_shim_version()}, this agent needs {VixShimNative.ExpectedVersion}");
        }

        if (NativeLibraries.Load(VixNative.Library, vix.Library) is { } vixError)
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.LibraryMissing, $"VIX: cannot load {vix.Library}: {vixError}");
        }

        if (Bind(vix.Library) is { } bindError)
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.LibraryMissing, $"VIX: {bindError}");
        }

        LogLoaded(log, vix.Library, shim, vix.Provider);
        return new VixDriver(vix, new CallGate(options.CallTimeout, options.MaxStuckCalls, time), log);
    }

    private static unsafe string? Bind(string path)
    {
        byte* err = stackalloc byte[512];
        return VixShimNative.hwvix_bind(path, err, 512) == 0 ? null : new string((sbyte*)err);
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        int host = Interlocked.Exchange(ref _host, VixConstants.InvalidHandle);
        if (host != VixConstants.InvalidHandle)
        {
            VixNative.VixHost_Disconnect(host);
        }

        _connectLock.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The host handle, connecting first when needed.</summary>
    private async Task<HvResult<int>> HostAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int host = Volatile.Read(ref _host);
        if (host != VixConstants.InvalidHandle)
        {
            return host;
        }

        if (!await _connectLock.WaitAsync(_gate.Timeout, cancellationToken).ConfigureAwait(false))
        {
            return HvResult<int>.Fail(HypervisorErrorKind.Timeout, "VIX connect: another connect attempt is still running");
        }

        try
        {
            if (_host != VixConstants.InvalidHandle)
            {
                return _host;
            }

            string where = _options.Host ?? "local host";
            var connected = await RunJobAsync($"VIX connect to {_options.Provider} at {where}", wantHandle: true, job => VixNativeCalls.Connect(_options, job), cancellationToken).ConfigureAwait(false);
            if (!connected.IsOk)
            {
                LogConnectFailed(_log, where, connected.Error!.ToString());
                return connected;
            }

            _host = connected.Value;
            LogConnected(_log, where, _options.Provider);
            return _host;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Forgets the host handle after an error that says it is gone; the next call reconnects.</summary>
    private void DropHostIf(HypervisorError? error)
    {
        if (error is { NativeCode: { } code } && VixErrors.LosesConnection((ulong)code))
        {
            int host = Interlocked.Exchange(ref _host, VixConstants.InvalidHandle);
            if (host != VixConstants.InvalidHandle)
            {
                LogDisconnected(_log, error.Message);
                VixNative.Vix_ReleaseHandle(host);
            }
        }
    }

    /// <summary>
    /// Starts a VIX job with our callback, waits for JOB_COMPLETED (at most the call timeout), then
    /// reads its error (and result handle) with VixJob_Wait, which returns at once for a finished job.
    /// </summary>
    private async Task<HvResult<int>> RunJobAsync(string what, bool wantHandle, Func<VixJob, int> start, CancellationToken cancellationToken, HypervisorErrorKind fallback = HypervisorErrorKind.Failed, List<string>? found = null)
    {
        var job = VixJob.Create();
        int jobHandle;
        try
        {
            jobHandle = start(job);
        }
        catch
        {
            job.Free();
            throw;
        }

        if (jobHandle == VixConstants.InvalidHandle)
        {
            job.Free();
            return HvResult<int>.Fail(HypervisorErrorKind.Failed, $"{what}: VIX returned no job handle");
        }

        HvResult<bool> waited;
        try
        {
            waited = await _gate.WithTimeoutAsync(what, job.Completed.ContinueWith(_ => HvResult<bool>.Ok(true), TaskScheduler.Default), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Abandon(job, jobHandle);
            throw;
        }

        if (!waited.IsOk)
        {
            LogTimeout(_log, what, _gate.Timeout.TotalSeconds);
            Abandon(job, jobHandle);
            return waited.Error!;
        }

        int result = VixConstants.InvalidHandle;
        ulong err = wantHandle ? VixShimNative.hwvix_job_wait_handle(jobHandle, out result) : VixShimNative.hwvix_job_wait(jobHandle);
        found?.AddRange(job.Found);
        VixNative.Vix_ReleaseHandle(jobHandle);
        job.Free();
        if (err != 0)
        {
            var error = VixErrors.Map(err, what, fallback);
            DropHostIf(error);
            return error;
        }

        return result;
    }

    /// <summary>A job we stopped waiting for: VIX still owns it; release it and our GCHandle when VIX finishes it.</summary>
    private static void Abandon(VixJob job, int jobHandle) =>
        job.Completed.ContinueWith(
            _ =>
            {
                VixNative.Vix_ReleaseHandle(jobHandle);
                job.Free();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
