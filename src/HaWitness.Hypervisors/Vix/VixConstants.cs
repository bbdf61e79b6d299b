namespace HaWitness.Hypervisors.Vix;

/// <summary>The vix.h values this driver uses (VIX API 1.x).</summary>
internal static class VixConstants
{
    public const int InvalidHandle = 0;
    public const int ApiVersion = -1;

    // VixPropertyID
    public const int PropertyNone = 0;
    public const int PropertyVmVmxPathname = 103;
    public const int PropertyVmPowerState = 129;
    public const int PropertyVmIsRunning = 196;
    public const int PropertyJobResultHandle = 3010;
    public const int PropertyFoundItemLocation = 4010;

    // VixEventType
    public const int EventJobCompleted = 2;
    public const int EventJobProgress = 3;
    public const int EventFindItem = 8;

    // VixFindItemType
    public const int FindRunningVms = 1;
    public const int FindRegisteredVms = 4;

    // VixVMPowerOpOptions
    public const int PowerOpNormal = 0;
    public const int PowerOpFromGuest = 0x0004;

    // VixPowerState bits
    public const int PoweringOff = 0x0001;
    public const int PoweredOff = 0x0002;
    public const int PoweringOn = 0x0004;
    public const int PoweredOn = 0x0008;
    public const int Suspending = 0x0010;
    public const int Suspended = 0x0020;
    public const int ToolsRunning = 0x0040;
    public const int Resetting = 0x0080;
    public const int BlockedOnMsg = 0x0100;

    // VixError codes (err & 0xFFFF)
    public const int Ok = 0;
    public const int EFail = 1;
    public const int EInvalidArg = 3;
    public const int EFileNotFound = 4;
    public const int ENotSupported = 6;
    public const int EHostNotConnected = 26;
    public const int EAuthenticationFail = 35;
    public const int EHostConnectionLost = 36;
    public const int EInvalidHandle = 1000;
    public const int EVmNotRunning = 3006;
    public const int EVmIsRunning = 3007;
    public const int EVmNotFound = 4000;
    public const int ECannotConnectToHost = 18000;

    /// <summary>VIX_ERROR_CODE(err).</summary>
    public static int Code(ulong error) => (int)(error & 0xFFFF);

    /// <summary>Our words for a VixPowerState bit set.</summary>
    public static VmPowerState PowerState(int bits) => bits switch
    {
        _ when (bits & PoweringOn) != 0 => VmPowerState.Starting,
        _ when (bits & Resetting) != 0 => VmPowerState.Starting,
        _ when (bits & PoweringOff) != 0 => VmPowerState.Stopping,
        _ when (bits & Suspending) != 0 => VmPowerState.Suspending,
        _ when (bits & PoweredOn) != 0 => VmPowerState.Running,
        _ when (bits & Suspended) != 0 => VmPowerState.Suspended,
        _ when (bits & PoweredOff) != 0 => VmPowerState.Off,
        _ => VmPowerState.Unknown,
    };

    /// <summary>A readable list of the bits, for logs and <see cref="VmStatus.Detail"/>.</summary>
    public static string Describe(int bits)
    {
        string[] names = ["powering-off", "powered-off", "powering-on", "powered-on", "suspending", "suspended", "tools-running", "resetting", "blocked-on-msg"];
        var set = names.Where((_, i) => (bits & (1 << i)) != 0);
        return $"vix power state 0x{bits:x} ({string.Join(' ', set)})";
    }
}
