using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace HaWitness.Core.Journal;

/// <summary>Why the journal cannot take writes right now (disk full, I/O error), for <c>/healthz</c> and alarms.</summary>
public sealed partial class JournalStore
{
    private string? _writeFault;
    private string? _markFault;

    /// <summary>
    /// Null while the journal takes writes; otherwise one line saying why the last write failed
    /// (for example "the disk holding /var/lib/hawitness is full"). A later successful write clears it.
    /// </summary>
    public string? Fault => Volatile.Read(ref _writeFault) ?? Volatile.Read(ref _markFault);

    /// <summary>Raised (on the writing thread) when <see cref="Fault"/> goes from null to a reason.</summary>
    public event Action<string>? Faulted;

    /// <summary>One line for a failed write, naming the disk when it is full.</summary>
    internal string FaultReason(SqliteException ex) => ex.SqliteErrorCode switch
    {
        13 => $"the disk holding {Path.GetDirectoryName(FilePath)} is full",
        _ => Describe(ex),
    };

    private void SetWriteFault(SqliteException ex)
    {
        // Constraint and misuse errors are the caller's; only the storage's failures are faults.
        if (ex.SqliteErrorCode is not (8 or 10 or 13 or 14))
        {
            return;
        }

        string reason = FaultReason(ex);
        if (Interlocked.Exchange(ref _writeFault, reason) is null)
        {
            LogFaulted(_logger, FilePath, reason);
            Faulted?.Invoke(reason);
        }
    }

    private void ClearWriteFault()
    {
        if (Volatile.Read(ref _writeFault) is not null && Interlocked.Exchange(ref _writeFault, null) is { } was)
        {
            LogRecovered(_logger, FilePath, was);
        }
    }

    private void SetMarkFault(string? reason)
    {
        if (Interlocked.Exchange(ref _markFault, reason) is null && reason is not null)
        {
            LogFaulted(_logger, FilePath, reason);
            Faulted?.Invoke(reason);
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Critical, Message = "Journal {Path} cannot take writes: {Reason}; decisions that need it are refused")]
    private static partial void LogFaulted(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Journal {Path} takes writes again (was: {Reason})")]
    private static partial void LogRecovered(ILogger logger, string path, string reason);
}
