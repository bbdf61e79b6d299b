using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Core.Storage;
using Microsoft.Data.Sqlite;

namespace HaWitness.Core.Journal;

/// <summary>
/// The recovery path for a journal that <see cref="JournalStore.Open"/> refuses: its files are
/// moved aside into a dated folder (never deleted), a new journal starts, the host and VM rows
/// that can still be read from a scratch copy of the old one are seeded into it, and a
/// <c>JournalRebuilt</c> decision names the folder and the gap. The caller holds the data
/// directory's lock.
/// </summary>
public static class JournalRebuild
{
    private static readonly string[] Suffixes = [string.Empty, "-wal", "-shm"];

    /// <summary>Rebuilds the journal at <paramref name="path"/> if, and only if, it cannot be opened.</summary>
    /// <exception cref="IOException">A file could not be moved or the new journal written.</exception>
    /// <exception cref="JournalWriteException">The new journal could not take its first rows.</exception>
    public static RebuildResult Run(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        time ??= TimeProvider.System;
        path = Path.GetFullPath(path);
        long start = Stopwatch.GetTimestamp();
        string reason;
        try
        {
            using (JournalStore.Open(path, time))
            {
                return new RebuildResult(null, null, 0, null, 0, 0, Stopwatch.GetElapsedTime(start));
            }
        }
        catch (JournalOpenException ex) when (ex.Damaged)
        {
            // Only a damaged journal is moved aside: a locked one, a read-only disk, a newer schema
            // or another application's file is refused as it is (the caller prints the one line).
            reason = ex.Message;
        }

        HighWaterMark? mark = TryReadMark(path);
        string dir = Path.GetDirectoryName(path)!;
        string aside = Path.Combine(dir, "journal-damaged-" + time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(aside, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (string name in Suffixes.Select(s => Path.GetFileName(path) + s).Append(Path.GetFileName(HighWaterMark.PathFor(path))))
        {
            string from = Path.Combine(dir, name);
            if (File.Exists(from))
            {
                File.Move(from, Path.Combine(aside, name));
            }
        }

        DurableFile.SyncDirectory(aside);
        DurableFile.SyncDirectory(dir);

        var salvage = Salvage(aside, Path.GetFileName(path));
        using var journal = JournalStore.Open(path, time);
        journal.UpsertState(salvage.Hosts, salvage.Vms, "seeded by 'hawitness db rebuild' from the damaged journal"); // one transaction

        var evidence = new JsonObject
        {
            ["reason"] = reason,
            ["movedTo"] = aside,
            ["readableDecisions"] = salvage.LastDecision,
            ["highWaterDecisions"] = mark?.Decisions,
            ["highWaterEvents"] = mark?.Events,
            ["hostsSeeded"] = salvage.Hosts.Count,
            ["vmsSeeded"] = salvage.Vms.Count,
            ["salvageError"] = salvage.Error,
            ["summary"] = Gap(salvage.LastDecision, mark) + $"; the damaged files are in {aside}",
        };
        journal.Append(new NewDecision(DecisionKinds.JournalRebuilt, Subjects.Cluster, Outcome.Succeeded, evidence));
        journal.WriteHighWater();
        return new RebuildResult(reason, aside, salvage.LastDecision, mark, salvage.Hosts.Count, salvage.Vms.Count, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>One sentence on what was lost.</summary>
    public static string Gap(long readable, HighWaterMark? mark) => mark is { } m && m.Decisions > readable
        ? string.Create(CultureInfo.InvariantCulture, $"decisions {readable + 1}..{m.Decisions} of the old journal are lost (readable up to {readable})")
        : mark is { } known
            ? string.Create(CultureInfo.InvariantCulture, $"the old journal is readable up to decision {readable}, as far as its high-water mark ({known.Decisions}) says was written")
            : string.Create(CultureInfo.InvariantCulture, $"the old journal is readable up to decision {readable}; it had no high-water mark to say more was written");

    private static HighWaterMark? TryReadMark(string path)
    {
        try
        {
            return HighWaterMark.Read(HighWaterMark.PathFor(path));
        }
        catch (JournalOpenException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads what it can from a scratch copy, so that SQLite's recovery of the WAL never writes
    /// to the files kept as evidence. Any failure just means nothing more is salvaged.
    /// </summary>
    private static (List<HostUpdate> Hosts, List<VmUpdate> Vms, long LastDecision, string? Error) Salvage(string aside, string fileName)
    {
        var hosts = new List<HostUpdate>();
        var vms = new List<VmUpdate>();
        long last = 0;
        string scratch = Path.Combine(aside, ".salvage");
        try
        {
            Directory.CreateDirectory(scratch);
            foreach (string s in Suffixes.Take(2))
            {
                string from = Path.Combine(aside, fileName + s);
                if (File.Exists(from))
                {
                    File.Copy(from, Path.Combine(scratch, fileName + s));
                }
            }

            string copy = Path.Combine(scratch, fileName);
            if (!File.Exists(copy))
            {
                return (hosts, vms, 0, "no journal file");
            }

            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
            c.Open();
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT coalesce(max(id), 0) FROM decisions";
                last = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            }

            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT name, state, generation, fenced, maintenance, facts FROM hosts";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    hosts.Add(new HostUpdate(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                        r.GetInt64(3) != 0, r.GetInt64(4) != 0, JsonNode.Parse(r.GetString(5)) as JsonObject));
                }
            }

            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT name, host, state, priority, epoch, ha FROM vms";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    vms.Add(new VmUpdate(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2),
                        r.GetString(3), r.GetInt64(4), r.GetInt64(5) != 0));
                }
            }

            return (hosts, vms, last, null);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidCastException or System.Text.Json.JsonException)
        {
            return (hosts, vms, last, ex.Message);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
                // Only a scratch copy; the evidence beside it is untouched.
            }
        }
    }
}
