using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Libvirt;

internal sealed partial class LibvirtDriver
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "libvirt driver: {Uri}, initiator {Initiator}")]
    private static partial void LogCreated(ILogger logger, string uri, string initiator);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "libvirt connected to {Uri}")]
    private static partial void LogConnected(ILogger logger, string uri);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "libvirt connection dropped ({Reason}); the next call reconnects")]
    private static partial void LogDisconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Warning, Message = "libvirt call timed out after {Seconds} s: {What} ({InFlight} calls still inside libvirt)")]
    private static partial void LogTimeout(ILogger logger, string what, double seconds, int inFlight);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Information, Message = "libvirt {Verb} {Vm}: done")]
    private static partial void LogDone(ILogger logger, string verb, string vm);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Warning, Message = "libvirt {Verb} {Vm} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string verb, string vm, string error);
}
