using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Vix.Vmrun;

internal sealed partial class VmrunDriver
{
    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "vmrun driver: {Path} -T {HostType}")]
    private static partial void LogCreated(ILogger logger, string path, string hostType);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "vmrun {What} {Vm}: done")]
    private static partial void LogDone(ILogger logger, string what, string vm);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "vmrun {What} {Vm} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string what, string vm, string error);
}
