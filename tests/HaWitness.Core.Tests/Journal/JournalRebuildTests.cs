using System.Text.Json;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace HaWitness.Core.Tests.Journal;

public sealed class JournalRebuildTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _live = new();
    private readonly TempDir _data = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        _live.Dispose();
        _data.Dispose();
    }

    private string DbPath => _data.File(JournalStore.FileName);

    [Fact]
    public void SoundJournalItCannotOpen_ANewerSchema_IsRefused_AndLeftWhereItIs()
    {
        using (var journal = JournalStore.Open(DbPath, _clock))
        {
            journal.Append(new NewDecision("Kept", Subjects.Cluster, Outcome.Decided));
        }

        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 999"; // written by a newer HaWitness
            cmd.ExecuteNonQuery();
        }

        byte[] before = File.ReadAllBytes(DbPath);
        var refused = Assert.Throws<JournalOpenException>(() => JournalRebuild.Run(DbPath, _clock));

        Assert.False(refused.Damaged);
        Assert.Contains("newer HaWitness", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(DbPath));
        Assert.Empty(Directory.GetDirectories(_data.Path, "journal-damaged-*"));
    }

    [Fact]
    public void TruncatedJournal_IsMovedAsideByteForByte_AndANewOneNamesTheGap_WithTheReadableRowsSeeded()
    {
        // A crash image: hosts and VMs committed early, then decisions, the mark current, the WAL cut.
        string live = _live.File(JournalStore.FileName);
        using (var journal = JournalStore.Open(live, _clock))
        {
            journal.UpsertHost(new HostUpdate("a", "failed", "g1", Fenced: true), "fenced");
            journal.UpsertVm(new VmUpdate("web", "b", "running", "high", 3), "restarted");
            journal.Checkpoint();
            for (int i = 0; i < 40; i++)
            {
                journal.Append(new NewDecision("Filler", Subjects.Vm("web"), Outcome.Decided));
            }

            journal.WriteHighWater();
            foreach (var name in new[] { JournalStore.FileName, JournalStore.FileName + "-wal", HighWaterMark.FileName })
            {
                File.Copy(_live.File(name), _data.File(name));
            }
        }

        using (var f = new FileStream(DbPath + "-wal", FileMode.Open))
        {
            f.SetLength(f.Length / 3);
        }

        var originals = new[] { JournalStore.FileName, JournalStore.FileName + "-wal", HighWaterMark.FileName }
            .ToDictionary(n => n, n => File.ReadAllBytes(_data.File(n)));
        Assert.Throws<JournalOpenException>(() => JournalStore.Open(DbPath, _clock));

        var result = JournalRebuild.Run(DbPath, _clock);
        output.WriteLine($"rebuild took {result.Elapsed.TotalMilliseconds:F1} ms; {JournalRebuild.Gap(result.ReadableDecisions, result.HighWater)}");

        Assert.Contains("damaged or truncated", result.Reason, StringComparison.Ordinal);
        Assert.NotNull(result.MovedTo);
        foreach (var (name, bytes) in originals)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(result.MovedTo, name)));
        }

        Assert.Equal(new HighWaterMark(40, 2), result.HighWater);
        Assert.True(result.ReadableDecisions < 40);
        Assert.Equal((1, 1), (result.Hosts, result.Vms));

        using var rebuilt = JournalStore.Open(DbPath, _clock);
        var host = Assert.Single(rebuilt.Hosts());
        Assert.True(host.Fenced);
        var vm = Assert.Single(rebuilt.Vms());
        Assert.Equal(("b", 3L, "high"), (vm.Host, vm.Epoch, vm.Priority));
        var decision = Assert.Single(rebuilt.Decisions(new DecisionQuery(Kind: DecisionKinds.JournalRebuilt)));
        using var evidence = JsonDocument.Parse(decision.EvidenceJson);
        Assert.Equal(result.MovedTo, evidence.RootElement.GetProperty("movedTo").GetString());
        Assert.Contains($"decisions {result.ReadableDecisions + 1}..40 of the old journal are lost", evidence.RootElement.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HealthyJournal_IsLeftAlone()
    {
        using (var journal = JournalStore.Open(DbPath, _clock))
        {
            journal.Append(new NewDecision("X", Subjects.Cluster, Outcome.Decided));
        }

        var result = JournalRebuild.Run(DbPath, _clock);

        Assert.Null(result.Reason);
        Assert.DoesNotContain(Directory.GetDirectories(_data.Path), d => d.Contains("journal-damaged", StringComparison.Ordinal));
    }
}
