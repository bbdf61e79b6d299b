using System.Globalization;
using HaWitness.Core.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace HaWitness.Core.Journal;

/// <summary>Checkpoints, the high-water mark and the schedule that runs them.</summary>
public sealed partial class JournalStore
{
    // Retention scans the tables; once an hour bounds them without costing every tick.
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    private readonly JournalOptions _options;
    private readonly Lock _markLock = new();
    private HighWaterMark _markWritten;
    private bool _dirty;
    private ITimer? _maintenance;
    private int _ticking;
    private long _lastCheckpoint; // monotonic, as every interval: a wall-clock step must not stall or rush them
    private long _lastPrune;

    /// <summary>The high-water mark last written beside the journal.</summary>
    public HighWaterMark HighWater
    {
        get
        {
            lock (_markLock)
            {
                return _markWritten;
            }
        }
    }

    /// <summary>
    /// Copies the WAL into the journal and truncates it to zero bytes
    /// (<c>PRAGMA wal_checkpoint(TRUNCATE)</c>).
    /// </summary>
    /// <returns>Whether the whole WAL was copied and truncated (false: a reader held it; the next one catches up).</returns>
    /// <exception cref="JournalWriteException">The checkpoint failed (disk full, I/O error).</exception>
    public bool Checkpoint()
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            return CheckpointLocked();
        }
    }

    /// <summary>
    /// Writes the high-water mark (the highest committed decision and event ids) durably beside
    /// the journal, if it moved. Every id it names was committed before, so it is never ahead of
    /// what is on disk.
    /// </summary>
    /// <exception cref="IOException">The mark could not be written; the previous one stays.</exception>
    public void WriteHighWater()
    {
        HighWaterMark now;
        lock (_writeLock)
        {
            ThrowIfDisposed();
            Volatile.Write(ref _dirty, false);
            now = Sequences(_writer);
        }

        WriteMark(now);
    }

    private void StartMaintenance()
    {
        _lastCheckpoint = _lastPrune = _time.GetTimestamp(); // retention's first pass an interval after start, not in it
        var period = TimeSpan.FromMilliseconds(_options.HighWaterIntervalMs);
        _maintenance = _time.CreateTimer(_ => Tick(), null, period, period);
    }

    private void Tick()
    {
        // A system timer fires again while a slow tick (a long retention pass) still runs: one at a time.
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            if (Volatile.Read(ref _disposed))
            {
                return;
            }

            if (Volatile.Read(ref _writeFault) is not null)
            {
                ProbeWrite();
            }

            if (Volatile.Read(ref _dirty))
            {
                WriteHighWater();
            }

            long now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_lastCheckpoint, now) >= TimeSpan.FromMilliseconds(_options.CheckpointIntervalMs))
            {
                _lastCheckpoint = now;
                Checkpoint();
            }

            if (_time.GetElapsedTime(_lastPrune, now) >= PruneInterval)
            {
                _lastPrune = now;
                Prune(_time.GetUtcNow()); // the age cutoff compares with the rows' wall-clock times
            }
        }
        catch (Exception ex) when (ex is JournalWriteException or IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // A background duty logs and goes on; the fault (if any) shows on /healthz.
            LogMaintenanceFailed(_logger, FilePath, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>
    /// While faulted, a write that adds no row: rewriting <c>user_version</c> with its own value
    /// still commits a page to the WAL, so it succeeds only when the disk takes writes again, and
    /// then clears the fault (and <c>/healthz</c>) without waiting for the next decision.
    /// </summary>
    private void ProbeWrite()
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            Write(() =>
            {
                using var cmd = _writer.CreateCommand();
                cmd.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version={JournalSchema.Migrations.Count}");
                cmd.ExecuteNonQuery();
                return 0L;
            });
        }
    }

    private bool CheckpointLocked()
    {
        long before = WalBytes();
        try
        {
            using var cmd = _writer.CreateCommand();
            cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var r = cmd.ExecuteReader();
            bool complete = r.Read() && r.GetInt64(0) == 0;
            LogCheckpoint(_logger, FilePath, before, WalBytes(), complete);
            return complete;
        }
        catch (SqliteException ex)
        {
            SetWriteFault(ex);
            throw new JournalWriteException($"journal {FilePath}: checkpoint failed: {Describe(ex)}", ex);
        }
    }

    private void WriteMark(HighWaterMark mark)
    {
        lock (_markLock)
        {
            if (mark.IsCoveredBy(_markWritten))
            {
                return;
            }

            try
            {
                mark.Write(HighWaterMark.PathFor(FilePath));
                _markWritten = mark;
                SetMarkFault(null);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Volatile.Write(ref _dirty, true);
                SetMarkFault("cannot write the high-water mark: " + ex.Message);
                throw;
            }
        }
    }

    /// <summary>On close: checkpoint (the WAL ends empty) and a final mark; failures are logged, the data is safe in the WAL.</summary>
    private void CloseCleanly()
    {
        try
        {
            CheckpointLocked();
            WriteMark(Sequences(_writer));
        }
        catch (Exception ex) when (ex is JournalWriteException or IOException or UnauthorizedAccessException)
        {
            LogMaintenanceFailed(_logger, FilePath, ex.Message);
        }
    }

    private long WalBytes()
    {
        var wal = new FileInfo(FilePath + "-wal");
        return wal.Exists ? wal.Length : 0;
    }

    private static void NoCheckpointOnClose(SqliteConnection c)
    {
        int rc = SQLitePCL.raw.sqlite3_db_config(c.Handle, SQLitePCL.raw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, out _);
        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            throw new JournalOpenException($"journal: cannot configure the connection (sqlite rc {rc})");
        }
    }

    /// <summary>The highest ids ever committed: AUTOINCREMENT's sequence survives retention's deletes.</summary>
    private static HighWaterMark Sequences(SqliteConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name, seq FROM sqlite_sequence WHERE EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_sequence') AND name IN ('decisions', 'events')";
        long decisions = 0, events = 0;
        try
        {
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (r.GetString(0) == "decisions")
                {
                    decisions = r.GetInt64(1);
                }
                else
                {
                    events = r.GetInt64(1);
                }
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            // No AUTOINCREMENT table yet (a new file before its first migration): nothing written.
        }

        return new HighWaterMark(decisions, events);
    }

    private static void CheckHighWater(SqliteConnection c, string path, HighWaterMark? mark)
    {
        if (mark is not { } m)
        {
            return;
        }

        var found = Sequences(c);
        if (!m.IsCoveredBy(found))
        {
            throw new JournalOpenException(string.Create(CultureInfo.InvariantCulture,
                $"journal {path} is damaged or truncated: it ends at decision {found.Decisions} and event {found.Events}, but decisions up to {m.Decisions} and events up to {m.Events} were committed (high-water mark {HighWaterMark.FileName}); it was left untouched: run 'hawitness db rebuild' to move it aside and start a new one, or restore it"))
            {
                Damaged = true,
            };
        }
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "Journal {Path} checkpoint: WAL {Before} -> {After} bytes, complete {Complete}")]
    private static partial void LogCheckpoint(ILogger logger, string path, long before, long after, bool complete);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Journal {Path} maintenance failed: {Reason}")]
    private static partial void LogMaintenanceFailed(ILogger logger, string path, string reason);
}
