using System.Runtime.InteropServices;
using HaWitness.Core.Configuration;
using HaWitness.Hypervisors.Calls;
using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Libvirt;

/// <summary>
/// libvirt/KVM through libvirt's C API (<c>libvirt.so.0</c>) by P/Invoke. libvirt's calls block,
/// so each runs on its own thread through the <see cref="CallGate"/>: a libvirtd that hangs costs a
/// bounded number of stuck threads and the caller gets <see cref="HypervisorErrorKind.Timeout"/>.
/// One connection is kept and reopened after it breaks.
/// </summary>
internal sealed partial class LibvirtDriver : IHypervisorDriver
{
    private static readonly Lock InitLock = new();
    private static bool _initialized;

    private readonly LibvirtOptions _options;
    private readonly CallGate _gate;
    private readonly ILogger _log;
    private readonly Lock _connLock = new();
    private nint _conn;
    private bool _disposed;

    private LibvirtDriver(LibvirtOptions options, CallGate gate, ILogger log)
    {
        _options = options;
        _gate = gate;
        _log = log;
    }

    public string Kind => "libvirt";

    public static HvResult<IHypervisorDriver> Create(HypervisorOptions options, TimeProvider time, ILogger log)
    {
        var lv = options.Libvirt;
        if (string.IsNullOrWhiteSpace(lv.Uri) || lv.Uri.Length > 1024 || lv.Uri.Any(char.IsControl))
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.InvalidArgument, "libvirt: the connection URI is empty, too long or has control characters");
        }

        if (lv.InitiatorIqn is not null && !IscsiName.IsValid(lv.InitiatorIqn))
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.InvalidArgument, $"libvirt: initiator '{lv.InitiatorIqn}' is not a valid iSCSI name (iqn.YYYY-MM.domain[:id]; lower case)");
        }

        if (!OperatingSystem.IsLinux())
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.Unsupported, "libvirt: this driver runs on Linux only");
        }

        if (NativeLibraries.Load(LibvirtNative.Library, lv.Library) is { } why)
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.LibraryMissing, $"libvirt: cannot load {lv.Library} (install libvirt0): {why}");
        }

        unsafe
        {
            lock (InitLock)
            {
                if (!_initialized)
                {
                    if (LibvirtNative.virInitialize() != 0)
                    {
                        return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.Failed, "libvirt: virInitialize failed");
                    }

                    LibvirtNative.virSetErrorFunc(0, LibvirtNative.SilentErrorHandlerPointer);
                    _initialized = true;
                }
            }
        }

        LogCreated(log, lv.Uri, lv.InitiatorIqn ?? "(as in each domain XML)");
        return new LibvirtDriver(lv, new CallGate(options.CallTimeout, options.MaxStuckCalls, time), log);
    }

    public ValueTask DisposeAsync()
    {
        lock (_connLock)
        {
            _disposed = true;
            // A call stuck inside libvirt may still use the connection: closing it then could free it
            // under that call, so it is left open (the process is usually exiting anyway).
            if (_conn != 0 && _gate.InFlight == 0)
            {
                LibvirtNative.virConnectClose(_conn);
            }

            _conn = 0;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Runs <paramref name="body"/> with the connection on a gate thread; reconnects once if the connection broke.</summary>
    private async Task<HvResult<T>> CallAsync<T>(string what, Func<nint, HvResult<T>> body, CancellationToken cancellationToken)
    {
        var result = await _gate.RunBlockingAsync(what, () => WithConnection(what, body), cancellationToken).ConfigureAwait(false);
        if (result.Error is { Kind: HypervisorErrorKind.Timeout })
        {
            LogTimeout(_log, what, _gate.Timeout.TotalSeconds, _gate.InFlight);
        }

        return result;
    }

    private HvResult<T> WithConnection<T>(string what, Func<nint, HvResult<T>> body)
    {
        for (int attempt = 0; ; attempt++)
        {
            var conn = Connection(what);
            if (!conn.IsOk)
            {
                return conn.Error!;
            }

            var result = body(conn.Value);
            if (result.Error is not { Kind: HypervisorErrorKind.ConnectionFailed } || attempt > 0)
            {
                return result;
            }

            Drop(conn.Value, result.Error.Message);
        }
    }

    private HvResult<nint> Connection(string what)
    {
        lock (_connLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_conn != 0 && LibvirtNative.virConnectIsAlive(_conn) == 1)
            {
                return _conn;
            }

            if (_conn != 0)
            {
                LibvirtNative.virConnectClose(_conn);
                _conn = 0;
            }

            nint conn = LibvirtNative.virConnectOpen(_options.Uri);
            if (conn == 0)
            {
                var error = LibvirtErrors.Last($"{what}: connect to {_options.Uri}", HypervisorErrorKind.ConnectionFailed);
                return error with { Kind = error.Kind == HypervisorErrorKind.AuthenticationFailed ? error.Kind : HypervisorErrorKind.ConnectionFailed };
            }

            _conn = conn;
            LogConnected(_log, _options.Uri);
            return conn;
        }
    }

    private void Drop(nint conn, string reason)
    {
        lock (_connLock)
        {
            if (_conn == conn)
            {
                LogDisconnected(_log, reason);
                LibvirtNative.virConnectClose(_conn);
                _conn = 0;
            }
        }
    }

    /// <summary>Looks the domain up, runs <paramref name="body"/> on it, frees it.</summary>
    private static HvResult<T> OnDomain<T>(nint conn, string name, string what, Func<nint, HvResult<T>> body)
    {
        nint dom = LibvirtNative.virDomainLookupByName(conn, name);
        if (dom == 0)
        {
            return LibvirtErrors.Last($"{what} {name}");
        }

        try
        {
            return body(dom);
        }
        finally
        {
            LibvirtNative.virDomainFree(dom);
        }
    }

    private static HvResult<(int State, int Reason)> StateOf(nint dom, string what)
    {
        return LibvirtNative.virDomainGetState(dom, out int state, out int reason, 0) == 0
            ? (state, reason)
            : LibvirtErrors.Last(what);
    }

    private static string? NameOf(nint dom)
    {
        nint p = LibvirtNative.virDomainGetName(dom);
        return p == 0 ? null : Marshal.PtrToStringUTF8(p);
    }

    private static unsafe string? UuidOf(nint dom)
    {
        byte* buf = stackalloc byte[64];
        return LibvirtNative.virDomainGetUUIDString(dom, buf) == 0 ? new string((sbyte*)buf) : null;
    }
}
