using System.Text.Json.Nodes;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Core.Tests.Journal;

/// <summary>
/// A journal whose WAL lost committed frames must be refused at open, not opened shorter. The
/// "crash image" is a copy of the files taken while the store is open: what a power cut leaves.
/// </summary>
public sealed class JournalHighWaterTests : IDisposable
{
    private readonly TempDir _live = new();
    private readonly TempDir _image = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        _live.Dispose();
        _image.Dispose();
    }

    private string ImagePath => _image.File(JournalStore.FileName);

    [Fact]
    public void CrashImage_AsLeft_Opens_WithEveryDecisionTheMarkCovers()
    {
        TakeCrashImage(decisions: 60);

        using var journal = JournalStore.Open(ImagePath, _clock);

        Assert.Equal(60, journal.Stats().LastDecisionId);
    }

    [Fact]
    public void TruncatedWal_IsRefused_WithOneClearLine_AndTheFilesAreUntouched()
    {
        TakeCrashImage(decisions: 60);
        string wal = ImagePath + "-wal";
        using (var f = new FileStream(wal, FileMode.Open))
        {
            f.SetLength(f.Length / 2);
        }

        var before = Snapshot();

        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(ImagePath, _clock));

        Assert.Contains("is damaged or truncated", ex.Message, StringComparison.Ordinal);
        Assert.Contains("decisions up to 60", ex.Message, StringComparison.Ordinal);
        Assert.Contains("hawitness db rebuild", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void FlippedBitInTheWal_IsRefused_NotOpenedShorter()
    {
        TakeCrashImage(decisions: 60);
        string wal = ImagePath + "-wal";
        byte[] bytes = File.ReadAllBytes(wal);
        Assert.True(bytes.Length > 8192, $"WAL of {bytes.Length} bytes");
        // A bit in a frame near the start: SQLite's frame checksums end the log there.
        bytes[32 + 24 + 4096 + 24 + 100] ^= 0x10;
        File.WriteAllBytes(wal, bytes);
        var before = Snapshot();

        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(ImagePath, _clock));

        Assert.Contains("is damaged or truncated", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void JournalDeleted_ButItsMarkRemains_IsRefused()
    {
        TakeCrashImage(decisions: 3);
        File.Delete(ImagePath);
        File.Delete(ImagePath + "-wal");

        var ex = Assert.Throws<JournalOpenException>(() => JournalStore.Open(ImagePath, _clock));

        Assert.Contains("is missing but its high-water mark", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ImagePath));
    }

    [Fact]
    public void Mark_IsWrittenByTheSchedule_NeverAheadOfTheCommits_AndOnClose()
    {
        string path = _live.File(JournalStore.FileName);
        string mark = _live.File(HighWaterMark.FileName);
        using (var journal = JournalStore.Open(path, _clock))
        {
            Assert.False(File.Exists(mark));
            journal.Append(new NewDecision("X", Subjects.Cluster, Outcome.Decided));
            journal.RecordEvent("E", Subjects.Cluster, "m");
            _clock.Advance(TimeSpan.FromMilliseconds(1000));
            Assert.Equal(new HighWaterMark(1, 1), journal.HighWater);
            journal.Append(new NewDecision("X", Subjects.Cluster, Outcome.Decided));
            Assert.Equal(new HighWaterMark(1, 1), journal.HighWater);
        }

        Assert.Equal("hawitness-journal-hwm 1\ndecisions 2\nevents 1\n", File.ReadAllText(mark));
        Assert.Equal(0, new FileInfo(path + "-wal").Length);
    }

    /// <summary>Writes decisions, lets the mark catch up, and copies the files as they are on disk.</summary>
    private void TakeCrashImage(int decisions)
    {
        string path = _live.File(JournalStore.FileName);
        using var journal = JournalStore.Open(path, _clock);
        for (int i = 0; i < decisions; i++)
        {
            journal.Append(new NewDecision("Filler", Subjects.Vm("v" + (i % 7)), Outcome.Decided,
                new JsonObject { ["i"] = i, ["pad"] = new string('x', 200) }));
        }

        journal.WriteHighWater();
        foreach (var name in new[] { JournalStore.FileName, JournalStore.FileName + "-wal", HighWaterMark.FileName })
        {
            File.Copy(_live.File(name), _image.File(name));
        }

        Assert.True(new FileInfo(ImagePath + "-wal").Length > 0, "the image must carry its commits in the WAL");
    }

    private Dictionary<string, byte[]> Snapshot() =>
        Directory.GetFiles(_image.Path).Where(f => !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
}
