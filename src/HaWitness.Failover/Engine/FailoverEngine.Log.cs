using Microsoft.Extensions.Logging;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Failover engine active as leader at log index {Index} (lease only: {LeaseOnly})")]
    private static partial void LogLeadership(ILogger logger, long index, bool leaseOnly);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Heartbeat quorum lost: no fencing, no restart until it is back")]
    private static partial void LogQuorumLost(ILogger logger);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Command rejected: {Command}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string command, string reason);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Host {Host} failed (index {Index}): {Reason}")]
    private static partial void LogHostFailed(ILogger logger, string host, string reason, long index);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Host {Host} fenced at the storage target (verified): {Summary}")]
    private static partial void LogFenced(ILogger logger, string host, string summary);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Error, Message = "Fence of {Host} not verified (try {Try}): {Error}")]
    private static partial void LogFenceFailed(ILogger logger, string host, int @try, string error);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "LEASE ONLY: no storage target configured; host {Host} declared fenced by its lease alone ({Lease}), it is NOT cut off its disks")]
    private static partial void LogLeaseOnlyFence(ILogger logger, string host, string lease);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "VM {Vm} placed on {Host} at epoch {Epoch} (from {From})")]
    private static partial void LogPlaced(ILogger logger, string vm, string host, long epoch, string from);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "VM {Vm} {Reason}")]
    private static partial void LogNotRestarted(ILogger logger, string vm, string reason);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Information, Message = "VM {Vm} confirmed running on {Host} at epoch {Epoch}")]
    private static partial void LogStartConfirmed(ILogger logger, string vm, string host, long epoch);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Warning, Message = "VM {Vm} start on {Host} failed (try {Try}): {Error}")]
    private static partial void LogStartFailed(ILogger logger, string vm, string host, int @try, string error);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Information, Message = "Host {Host} re-admitted at generation {Generation} (by operator: {ByOperator})")]
    private static partial void LogReadmitted(ILogger logger, string host, string generation, bool byOperator);
}
