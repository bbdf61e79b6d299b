using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Vix;

internal sealed partial class VixDriver
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "VIX loaded from {Library} (shim {Shim}), provider {Provider}")]
    private static partial void LogLoaded(ILogger logger, string library, string shim, VixProvider provider);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "VIX connected to {Host} ({Provider})")]
    private static partial void LogConnected(ILogger logger, string host, VixProvider provider);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "VIX connect to {Host} failed: {Error}")]
    private static partial void LogConnectFailed(ILogger logger, string host, string error);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "VIX connection lost ({Reason}); the next call reconnects")]
    private static partial void LogDisconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "VIX call timed out after {Seconds} s: {What}; the job is left to VIX and released when it ends")]
    private static partial void LogTimeout(ILogger logger, string what, double seconds);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "VIX registered {Vm} ({Vmx})")]
    private static partial void LogRegistered(ILogger logger, string vm, string vmx);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Information, Message = "VIX unregistered {Vm} ({Vmx})")]
    private static partial void LogUnregistered(ILogger logger, string vm, string vmx);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Information, Message = "VIX powered {Vm} {How}")]
    private static partial void LogPowered(ILogger logger, string vm, string how);

    [LoggerMessage(EventId = 5108, Level = LogLevel.Warning, Message = "VIX {What} {Vm} failed: {Error}")]
    private static partial void LogCallFailed(ILogger logger, string what, string vm, string error);
}
