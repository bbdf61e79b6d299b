using System.Globalization;
using Microsoft.Data.Sqlite;

namespace HaWitness.Core.Journal;

/// <summary>
/// The journal's schema as an ordered list of migrations. <c>PRAGMA user_version</c> holds how many
/// have been applied; <c>PRAGMA application_id</c> marks the file as ours. Never edit a migration
/// that has shipped: append a new one.
/// </summary>
internal static class JournalSchema
{
    internal static readonly IReadOnlyList<string> Migrations =
    [
        // 1: hosts, VMs, decisions, events.
        """
        CREATE TABLE hosts(
            name        TEXT PRIMARY KEY NOT NULL,
            state       TEXT NOT NULL,
            generation  TEXT,
            fenced      INTEGER NOT NULL DEFAULT 0,
            maintenance INTEGER NOT NULL DEFAULT 0,
            facts       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(facts)),
            updated_ms  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE vms(
            name       TEXT PRIMARY KEY NOT NULL,
            host       TEXT,
            state      TEXT NOT NULL,
            priority   TEXT NOT NULL,
            epoch      INTEGER NOT NULL DEFAULT 0,
            ha         INTEGER NOT NULL DEFAULT 1,
            updated_ms INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE decisions(
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            time_ms  INTEGER NOT NULL,
            kind     TEXT NOT NULL,
            subject  TEXT NOT NULL,
            outcome  TEXT NOT NULL,
            evidence TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(evidence))
        ) STRICT;
        CREATE INDEX decisions_by_subject ON decisions(subject, id);
        CREATE INDEX decisions_by_kind ON decisions(kind, id);
        CREATE TABLE events(
            id        INTEGER PRIMARY KEY AUTOINCREMENT,
            time_ms   INTEGER NOT NULL,
            kind      TEXT NOT NULL,
            subject   TEXT NOT NULL,
            old_state TEXT,
            new_state TEXT,
            message   TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX events_by_subject ON events(subject, id);
        """,
    ];

    /// <summary>Refuses a file that is some other application's database or a newer journal.</summary>
    internal static void CheckIdentity(SqliteConnection c, string path)
    {
        long appId = Scalar(c, "PRAGMA application_id");
        long version = Scalar(c, "PRAGMA user_version");
        long objects = Scalar(c, "SELECT count(*) FROM sqlite_schema");
        if (appId != JournalStore.ApplicationId && objects > 0)
        {
            throw new JournalOpenException(
                $"journal {path} is a SQLite database of another application (application_id {appId}, {objects} schema objects), not a HaWitness journal; it was left untouched");
        }

        if (version > Migrations.Count)
        {
            throw new JournalOpenException(
                $"journal {path} has schema version {version}, written by a newer HaWitness (this build knows up to {Migrations.Count}); it was left untouched: run the newer version");
        }
    }

    /// <summary>Runs SQLite's quick check; a damaged journal is refused, never repaired silently.</summary>
    internal static void CheckIntegrity(SqliteConnection c, string path)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA quick_check(3)";
        using var r = cmd.ExecuteReader();
        var problems = new List<string>();
        while (r.Read())
        {
            // SQLite's report spans lines; the refusal must stay one line.
            problems.Add(r.GetString(0).ReplaceLineEndings(" "));
        }

        if (problems.Count != 1 || problems[0] != "ok")
        {
            throw new JournalOpenException(
                $"journal {path} failed its integrity check ({string.Join("; ", problems)}); it was left untouched: restore it from a backup, or run 'hawitness db rebuild' to move it aside and start a new one")
            {
                Damaged = true,
            };
        }
    }

    /// <summary>
    /// WAL with <c>synchronous=FULL</c>: every commit fsyncs the WAL, so an acknowledged row
    /// survives power loss (NORMAL would only survive a process crash).
    /// </summary>
    internal static void ConfigureDurability(SqliteConnection c, string path, long walSizeLimit)
    {
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "PRAGMA journal_mode=WAL";
            string? mode = cmd.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new JournalOpenException($"journal {path}: cannot switch to WAL mode (got '{mode}'); is the file system read-only or a network mount?");
            }
        }

        Exec(c, "PRAGMA synchronous=FULL");
        Exec(c, "PRAGMA busy_timeout=5000");
        // A checkpoint that could not truncate (a reader held it) still shrinks the WAL to this.
        Exec(c, string.Create(CultureInfo.InvariantCulture, $"PRAGMA journal_size_limit={walSizeLimit}"));
    }

    /// <summary>Applies pending migrations in one transaction; returns the version found.</summary>
    internal static int Migrate(SqliteConnection c)
    {
        int current = (int)Scalar(c, "PRAGMA user_version");
        if (current == Migrations.Count)
        {
            return current;
        }

        using var tx = c.BeginTransaction();
        for (int v = current; v < Migrations.Count; v++)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = Migrations[v];
            cmd.ExecuteNonQuery();
        }

        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            // PRAGMA values cannot be parameters; both are integers we own.
            cmd.CommandText = string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA application_id={JournalStore.ApplicationId}; PRAGMA user_version={Migrations.Count}");
            cmd.ExecuteNonQuery();
        }

        tx.Commit();
        return current;
    }

    private static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
