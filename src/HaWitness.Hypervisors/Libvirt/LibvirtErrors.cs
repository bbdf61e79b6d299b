using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors.Libvirt;

/// <summary>libvirt's last error (thread-local: read it on the thread that failed) as a <see cref="HypervisorError"/>.</summary>
internal static class LibvirtErrors
{
    public static HypervisorError Last(string what, HypervisorErrorKind fallback = HypervisorErrorKind.Failed)
    {
        int code = LibvirtNative.virGetLastErrorCode();
        nint p = LibvirtNative.virGetLastErrorMessage();
        string message = (p == 0 ? null : Marshal.PtrToStringUTF8(p)) ?? "unknown libvirt error";
        LibvirtNative.virResetLastError();
        return new HypervisorError(Kind(code, fallback), $"{what}: {message}", code);
    }

    public static HypervisorErrorKind Kind(int code, HypervisorErrorKind fallback) => code switch
    {
        LibvirtNative.ErrNoDomain => HypervisorErrorKind.NotFound,
        LibvirtNative.ErrOperationInvalid => HypervisorErrorKind.InvalidState,
        LibvirtNative.ErrNoConnect or LibvirtNative.ErrInvalidConn or LibvirtNative.ErrRpc => HypervisorErrorKind.ConnectionFailed,
        LibvirtNative.ErrAuthFailed => HypervisorErrorKind.AuthenticationFailed,
        LibvirtNative.ErrInvalidArg or LibvirtNative.ErrXmlError or LibvirtNative.ErrXmlDetail or LibvirtNative.ErrConfigUnsupported => HypervisorErrorKind.InvalidArgument,
        LibvirtNative.ErrOperationTimeout => HypervisorErrorKind.Timeout,
        LibvirtNative.ErrNoSupport or LibvirtNative.ErrOperationUnsupported => HypervisorErrorKind.Unsupported,
        _ => fallback,
    };

    public static VmPowerState State(int state) => state switch
    {
        LibvirtNative.StateRunning or LibvirtNative.StateBlocked => VmPowerState.Running,
        LibvirtNative.StatePaused => VmPowerState.Paused,
        LibvirtNative.StateShutdown => VmPowerState.Stopping,
        LibvirtNative.StateShutoff => VmPowerState.Off,
        LibvirtNative.StateCrashed => VmPowerState.Crashed,
        LibvirtNative.StatePmSuspended => VmPowerState.Suspended,
        _ => VmPowerState.Unknown,
    };
}
