using Microsoft.Extensions.Logging;

namespace HaWitness.Fencing.Ssh;

public sealed partial class SshRemoteShell
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "SSH connected to {Destination} in {Ms:F1} ms")]
    private static partial void LogConnected(ILogger logger, string destination, double ms);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "SSH connect to {Destination} failed ({Kind}): {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string destination, string kind, string reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "SSH host key of {Destination} pinned on first use: {Key} in {File}")]
    private static partial void LogHostKeyPinned(ILogger logger, string destination, string key, string file);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "SSH host key of {Destination} CHANGED: presents {Presented}, pinned {Pinned} in {File}; refused")]
    private static partial void LogHostKeyMismatch(ILogger logger, string destination, string presented, string pinned, string file);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "SSH {Destination}: {Command} -> {Exit} in {Ms:F1} ms")]
    private static partial void LogCommandRan(ILogger logger, string destination, string command, int exit, double ms);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "SSH {Destination}: {Command} failed: {Reason}")]
    private static partial void LogCommandFailed(ILogger logger, string destination, string command, string reason);
}
