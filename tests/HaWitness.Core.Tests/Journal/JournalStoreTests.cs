using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Core.Tests.Journal;

public sealed class JournalStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.File(JournalStore.FileName);

    [Fact]
    public void Append_ThenReopen_ReadsBackEveryFieldWithItsEvidence()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 3, 0, 0, TimeSpan.Zero));
        long id;
        using (var journal = JournalStore.Open(DbPath, clock))
        {
            id = journal.Append(new NewDecision(DecisionKinds.FenceHost, Subjects.Host("a"), Outcome.Succeeded,
                new JsonObject { ["sessionsBefore"] = 2, ["sessionsAfter"] = 0, ["initiator"] = "iqn.2026-11.lab:a" }));
        }

        using var reopened = JournalStore.Open(DbPath, clock);
        var row = Assert.Single(reopened.Decisions(new DecisionQuery(Subject: Subjects.Host("a"))));
        Assert.Equal(id, row.Id);
        Assert.Equal(DecisionKinds.FenceHost, row.Kind);
        Assert.Equal(Outcome.Succeeded, row.Outcome);
        Assert.Equal(clock.GetUtcNow(), row.Time);
        using var evidence = JsonDocument.Parse(row.EvidenceJson);
        Assert.Equal(2, evidence.RootElement.GetProperty("sessionsBefore").GetInt32());
        Assert.Equal("iqn.2026-11.lab:a", evidence.RootElement.GetProperty("initiator").GetString());
    }

    [Fact]
    public void Open_CreatesWalModeWithFullSync_AndStampsOurIdentity()
    {
        using (JournalStore.Open(DbPath))
        {
        }

        using var c = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False");
        c.Open();
        Assert.Equal("wal", Scalar(c, "PRAGMA journal_mode"));
        Assert.Equal((long)JournalStore.ApplicationId, Scalar(c, "PRAGMA application_id"));
        Assert.Equal((long)JournalStore.SchemaVersion, Scalar(c, "PRAGMA user_version"));
    }

    [Fact]
    public void Decisions_PagesNewestFirst_AndFollowsOldestFirstAfterACursor()
    {
        using var journal = JournalStore.Open(DbPath);
        var ids = Enumerable.Range(0, 10)
            .Select(i => journal.Append(new NewDecision(i % 2 == 0 ? "Even" : "Odd", Subjects.Vm("v" + i), Outcome.Decided)))
            .ToList();

        var page1 = journal.Decisions(new DecisionQuery(Limit: 4));
        Assert.Equal(ids.AsEnumerable().Reverse().Take(4), page1.Select(d => d.Id));
        var page2 = journal.Decisions(new DecisionQuery(BeforeId: page1[^1].Id, Limit: 4));
        Assert.Equal(ids.AsEnumerable().Reverse().Skip(4).Take(4), page2.Select(d => d.Id));
        var follow = journal.Decisions(new DecisionQuery(AfterId: ids[6]));
        Assert.Equal(ids.Skip(7), follow.Select(d => d.Id));
        Assert.All(journal.Decisions(new DecisionQuery(Kind: "Odd")), d => Assert.Equal("Odd", d.Kind));
    }

    [Fact]
    public void UpsertHost_RecordsEveryStateChangeAsAnEvent_ButNotRepeats()
    {
        using var journal = JournalStore.Open(DbPath);
        journal.UpsertHost(new HostUpdate("a", "online", "gen-1"), "registered");
        journal.UpsertHost(new HostUpdate("a", "online", "gen-1"), "heartbeat");
        journal.UpsertHost(new HostUpdate("a", "suspect", "gen-1"), "missed 3 heartbeats");
        journal.UpsertHost(new HostUpdate("a", "fenced", "gen-1", Fenced: true), "fence verified");

        var events = journal.Events(Subjects.Host("a")).Reverse().ToList();
        Assert.Equal(
            [(null, "online"), ("online", "suspect"), ("suspect", "fenced")],
            events.Select(e => (e.OldState, e.NewState)));
        Assert.Equal("missed 3 heartbeats", events[1].Message);
        var host = Assert.Single(journal.Hosts());
        Assert.True(host.Fenced);
        Assert.Equal("gen-1", host.Generation);
    }

    [Fact]
    public void UpsertVm_RecordsMovesBetweenHostsAsStateChanges()
    {
        using var journal = JournalStore.Open(DbPath);
        journal.UpsertVm(new VmUpdate("web", "a", "running", "high", 10), "placed");
        journal.UpsertVm(new VmUpdate("web", "b", "running", "high", 17), "failover");

        var change = journal.Events(Subjects.Vm("web"))[0];
        Assert.Equal("running@a", change.OldState);
        Assert.Equal("running@b", change.NewState);
        Assert.Equal(17, Assert.Single(journal.Vms()).Epoch);
    }

    [Fact]
    public void Open_RandomBytes_IsRefusedClearly_AndTheFileIsUntouched()
    {
        var junk = RandomNumberGenerator.GetBytes(64 * 1024);
        File.WriteAllBytes(DbPath, junk);

        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(DbPath));

        Assert.Contains("not a SQLite database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(junk, File.ReadAllBytes(DbPath));
        Assert.False(File.Exists(DbPath + "-wal"));
    }

    [Fact]
    public void Open_AnotherApplicationsDatabase_IsRefused_AndLeftAsItWas()
    {
        using (var c = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            c.Open();
            Exec(c, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL); INSERT INTO invoices(amount) VALUES (9.5)");
        }

        byte[] before = File.ReadAllBytes(DbPath);
        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(DbPath));

        Assert.Contains("another application", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(DbPath));
    }

    [Fact]
    public void Open_JournalFromANewerVersion_IsRefused()
    {
        using (JournalStore.Open(DbPath))
        {
        }

        using (var c = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            c.Open();
            Exec(c, "PRAGMA user_version = 99");
        }

        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(DbPath));
        Assert.Contains("newer HaWitness", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DamagedPages_FailsTheIntegrityCheck_AndTheFileIsUntouched()
    {
        using (var journal = JournalStore.Open(DbPath))
        {
            for (int i = 0; i < 2000; i++)
            {
                journal.Append(new NewDecision("Filler", Subjects.Vm("v" + (i % 50)), Outcome.Decided, new JsonObject { ["i"] = i }));
            }
        }

        // Checkpointed on close: the rows live in the main file. Scribble over pages in the middle
        // (the header stays valid, so only SQLite's own checks can notice).
        var bytes = File.ReadAllBytes(DbPath);
        Assert.True(bytes.Length > 16 * 4096);
        var rng = new Random(7);
        for (int page = 4; page < bytes.Length / 4096; page += 3)
        {
            rng.NextBytes(bytes.AsSpan(page * 4096, 4096));
        }

        File.WriteAllBytes(DbPath, bytes);

        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(DbPath));

        Assert.Matches("integrity check|corrupt|not a database", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal(bytes, File.ReadAllBytes(DbPath));
    }

    [Fact]
    public void Open_WalWithoutItsJournal_RefusesToStartAnEmptyOne()
    {
        File.WriteAllBytes(DbPath + "-wal", [1, 2, 3, 4]);

        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(DbPath));

        Assert.Contains("is missing but its write-ahead log", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(DbPath));
    }

    [Fact]
    public void Append_AfterDispose_Throws_AndPingSaysUnhealthy()
    {
        var journal = JournalStore.Open(DbPath);
        Assert.True(journal.Ping());
        journal.Dispose();
        Assert.False(journal.Ping());
        Assert.Throws<ObjectDisposedException>(() => journal.Append(new NewDecision("X", "cluster", Outcome.Decided)));
    }

    private static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
