using System.Globalization;

namespace HaWitness.Core.Journal;

/// <summary>
/// Retention: decisions and events older than <c>RetentionDays</c>, or beyond <c>MaxDecisions</c> /
/// <c>MaxEvents</c>, are deleted, except the newest row of each (subject, kind) whose subject is
/// still current: a host or VM in the <c>hosts</c>/<c>vms</c> tables, a target, or the cluster.
/// Those rows are why the current state is what it is (the fence of a fenced host, the
/// placement of a running VM), and "why" must stay answerable however old they are.
/// </summary>
public sealed partial class JournalStore
{
    // Small batches, each its own transaction under the write lock: a decision waiting to be
    // journaled never waits behind a large delete, and the WAL stays small.
    private const int PruneBatch = 5000;

    private const string Current =
        "subject IN (SELECT 'host:' || name FROM hosts UNION ALL SELECT 'vm:' || name FROM vms) OR subject = 'cluster' OR subject LIKE 'target:%'";

    /// <summary>Deletes rows past the retention limits as of <paramref name="now"/>; returns how many of each.</summary>
    /// <exception cref="JournalWriteException">A delete failed (disk full, I/O error).</exception>
    public (long Decisions, long Events) Prune(DateTimeOffset now)
    {
        long cutoffMs = _options.RetentionDays == 0
            ? long.MinValue
            : (now - TimeSpan.FromDays(_options.RetentionDays)).ToUnixTimeMilliseconds();
        long decisions = PruneTable("decisions", cutoffMs, _options.MaxDecisions);
        long events = PruneTable("events", cutoffMs, _options.MaxEvents);
        if (decisions + events > 0)
        {
            LogPruned(_logger, FilePath, decisions, events);
        }

        return (decisions, events);
    }

    private long PruneTable(string table, long cutoffMs, int maxRows)
    {
        long total = 0;
        long cut;
        lock (_writeLock)
        {
            ThrowIfDisposed();
            cut = Write(() => CutId(table, cutoffMs, maxRows));
            if (cut <= 0)
            {
                return 0;
            }

            Write(() =>
            {
                Run(string.Create(CultureInfo.InvariantCulture, $"""
                    CREATE TEMP TABLE IF NOT EXISTS keep_{table}(id INTEGER PRIMARY KEY);
                    DELETE FROM temp.keep_{table};
                    INSERT INTO temp.keep_{table} SELECT max(id) FROM {table} WHERE {Current} GROUP BY subject, kind;
                    """), cut);
                return 0L;
            });
        }

        while (true)
        {
            lock (_writeLock)
            {
                ThrowIfDisposed();
                long deleted = Write(() => Run(string.Create(CultureInfo.InvariantCulture, $"""
                    DELETE FROM {table} WHERE id IN (
                        SELECT id FROM {table} WHERE id < $cut AND id NOT IN (SELECT id FROM temp.keep_{table})
                        ORDER BY id LIMIT {PruneBatch})
                    """), cut));
                total += deleted;
                if (deleted < PruneBatch)
                {
                    return total;
                }
            }
        }
    }

    /// <summary>Rows with an id below the returned one are past a limit (0: none).</summary>
    private long CutId(string table, long cutoffMs, int maxRows)
    {
        long byAge = 0, byCount = 0;
        using (var cmd = _writer.CreateCommand())
        {
            // Ids grow with time, so the first row young enough ends the old ones; the scan
            // stops there instead of reading the whole table.
            cmd.CommandText = $"SELECT coalesce((SELECT id FROM {table} WHERE time_ms >= $cutoff ORDER BY id LIMIT 1), (SELECT max(id) + 1 FROM {table}), 0)";
            cmd.Parameters.AddWithValue("$cutoff", cutoffMs);
            byAge = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        if (maxRows > 0)
        {
            using var cmd = _writer.CreateCommand();
            cmd.CommandText = $"SELECT coalesce((SELECT id FROM {table} ORDER BY id DESC LIMIT 1 OFFSET $skip), 0)";
            cmd.Parameters.AddWithValue("$skip", maxRows);
            // The row just past the newest maxRows goes too, hence + 1.
            long oldestTooMany = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            byCount = oldestTooMany > 0 ? oldestTooMany + 1 : 0;
        }

        return Math.Max(byAge, byCount);
    }

    private long Run(string sql, long cut)
    {
        using var cmd = _writer.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$cut", cut);
        return cmd.ExecuteNonQuery();
    }

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 1006, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Journal {Path} retention deleted {Decisions} decisions and {Events} events")]
    private static partial void LogPruned(Microsoft.Extensions.Logging.ILogger logger, string path, long decisions, long events);
}
