using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors.Vix;

/// <summary>VixError → <see cref="HypervisorError"/>, with VIX's own words from <c>Vix_GetErrorText</c>.</summary>
internal static class VixErrors
{
    public static HypervisorError Map(ulong error, string what, HypervisorErrorKind fallback = HypervisorErrorKind.Failed)
    {
        int code = VixConstants.Code(error);
        var kind = code switch
        {
            VixConstants.EInvalidArg => HypervisorErrorKind.InvalidArgument,
            VixConstants.EFileNotFound or VixConstants.EVmNotFound => HypervisorErrorKind.NotFound,
            VixConstants.EVmNotRunning or VixConstants.EVmIsRunning => HypervisorErrorKind.InvalidState,
            VixConstants.EHostNotConnected or VixConstants.EHostConnectionLost or VixConstants.ECannotConnectToHost => HypervisorErrorKind.ConnectionFailed,
            VixConstants.EAuthenticationFail => HypervisorErrorKind.AuthenticationFailed,
            VixConstants.ENotSupported => HypervisorErrorKind.Unsupported,
            _ => fallback,
        };
        return new HypervisorError(kind, $"{what}: {Text(error)}", code);
    }

    /// <summary>True for errors after which the host handle is no longer usable.</summary>
    public static bool LosesConnection(ulong error) => VixConstants.Code(error) is
        VixConstants.EHostNotConnected or VixConstants.EHostConnectionLost or VixConstants.EInvalidHandle;

    private static string Text(ulong error)
    {
        nint p = VixNative.Vix_GetErrorText(error, null);
        return (p == 0 ? null : Marshal.PtrToStringUTF8(p)) ?? $"VIX error {VixConstants.Code(error)}";
    }
}
