using Microsoft.Data.Sqlite;

namespace HaWitness.Lab.Tests;

/// <summary>Reads a running appliance's journal read-only (WAL lets a reader run beside the writer).</summary>
internal static class JournalReader
{
    public static List<(string Kind, string Subject, string Outcome, string Evidence)> Decisions(string dataDir)
    {
        SQLitePCL.Batteries_V2.Init();
        using var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "journal.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT kind, subject, outcome, evidence FROM decisions ORDER BY id";
        using var r = cmd.ExecuteReader();
        var rows = new List<(string, string, string, string)>();
        while (r.Read())
        {
            rows.Add((r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)));
        }

        return rows;
    }
}
