using System.Text;

namespace HaWitness.Core.Journal;

public sealed partial class JournalStore
{
    /// <summary>Reads decisions, newest first (or oldest first when following with <c>AfterId</c>).</summary>
    public IReadOnlyList<DecisionRecord> Decisions(DecisionQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        int limit = Math.Clamp(query.Limit, 1, 1000);
        var sql = new StringBuilder("SELECT id, time_ms, kind, subject, outcome, evidence FROM decisions WHERE 1=1");
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        if (query.Subject is not null)
        {
            sql.Append(" AND subject = $subject");
            cmd.Parameters.AddWithValue("$subject", query.Subject);
        }

        if (query.Kind is not null)
        {
            sql.Append(" AND kind = $kind");
            cmd.Parameters.AddWithValue("$kind", query.Kind);
        }

        if (query.BeforeId is { } before)
        {
            sql.Append(" AND id < $before");
            cmd.Parameters.AddWithValue("$before", before);
        }

        if (query.AfterId is { } after)
        {
            sql.Append(" AND id > $after ORDER BY id ASC");
            cmd.Parameters.AddWithValue("$after", after);
        }
        else
        {
            sql.Append(" ORDER BY id DESC");
        }

        sql.Append(" LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", limit);
        cmd.CommandText = sql.ToString();
        using var r = cmd.ExecuteReader();
        var rows = new List<DecisionRecord>();
        while (r.Read())
        {
            rows.Add(new DecisionRecord(
                r.GetInt64(0),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                r.GetString(2),
                r.GetString(3),
                Enum.TryParse<Outcome>(r.GetString(4), out var o) ? o : Outcome.Failed,
                r.GetString(5)));
        }

        return rows;
    }

    /// <summary>Reads the events about one subject (or all), newest first.</summary>
    public IReadOnlyList<EventRecord> Events(string? subject = null, int limit = 100)
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = subject is null
            ? "SELECT id, time_ms, kind, subject, old_state, new_state, message FROM events ORDER BY id DESC LIMIT $limit"
            : "SELECT id, time_ms, kind, subject, old_state, new_state, message FROM events WHERE subject = $s ORDER BY id DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 1000));
        if (subject is not null)
        {
            cmd.Parameters.AddWithValue("$s", subject);
        }

        using var r = cmd.ExecuteReader();
        var rows = new List<EventRecord>();
        while (r.Read())
        {
            rows.Add(new EventRecord(
                r.GetInt64(0),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                r.GetString(2),
                r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                r.GetString(6)));
        }

        return rows;
    }

    /// <summary>All hosts, by name.</summary>
    public IReadOnlyList<HostRecord> Hosts()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name, state, generation, fenced, maintenance, facts, updated_ms FROM hosts ORDER BY name";
        using var r = cmd.ExecuteReader();
        var rows = new List<HostRecord>();
        while (r.Read())
        {
            rows.Add(new HostRecord(
                r.GetString(0),
                r.GetString(1),
                r.IsDBNull(2) ? null : r.GetString(2),
                r.GetInt64(3) != 0,
                r.GetInt64(4) != 0,
                r.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))));
        }

        return rows;
    }

    /// <summary>All VMs, by name.</summary>
    public IReadOnlyList<VmRecord> Vms()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name, host, state, priority, epoch, ha, updated_ms FROM vms ORDER BY name";
        using var r = cmd.ExecuteReader();
        var rows = new List<VmRecord>();
        while (r.Read())
        {
            rows.Add(new VmRecord(
                r.GetString(0),
                r.IsDBNull(1) ? null : r.GetString(1),
                r.GetString(2),
                r.GetString(3),
                r.GetInt64(4),
                r.GetInt64(5) != 0,
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))));
        }

        return rows;
    }

    /// <summary>Row counts and file size, for the status page and metrics.</summary>
    public JournalStats Stats()
    {
        using var c = OpenReader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT (SELECT coalesce(max(id), 0) FROM decisions), (SELECT count(*) FROM events)";
        using var r = cmd.ExecuteReader();
        r.Read();
        long bytes = new FileInfo(FilePath).Length + (File.Exists(FilePath + "-wal") ? new FileInfo(FilePath + "-wal").Length : 0);
        return new JournalStats(r.GetInt64(0), r.GetInt64(1), bytes);
    }
}

/// <summary>Journal size figures.</summary>
/// <param name="LastDecisionId">Id of the newest decision (0 when none).</param>
/// <param name="Events">Number of event rows.</param>
/// <param name="Bytes">Size of the journal file and its WAL.</param>
public sealed record JournalStats(long LastDecisionId, long Events, long Bytes);
