using Microsoft.Extensions.Logging;

namespace HaWitness.Fencing;

public sealed partial class StorageFencer
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Storage {Operation} of {Host} ({Initiator}) started: {Reason}")]
    private static partial void LogStarted(ILogger logger, string operation, string host, string initiator, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Storage {Operation} of {Host} verified in {Ms:F1} ms (no-op: {NoOp})")]
    private static partial void LogVerified(ILogger logger, string operation, string host, double ms, bool noOp);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Storage {Operation} of {Initiator}: attempt {Attempt} not verified, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string operation, string initiator, int attempt, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Storage {Operation} of {Host} FAILED (not verified): {Reason}")]
    private static partial void LogFailed(ILogger logger, string operation, string host, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Storage operation on {Subject} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string subject, string reason);
}
