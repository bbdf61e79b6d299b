using System.Text.Json.Nodes;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace HaWitness.Core.Tests.Journal;

/// <summary>Against a real small tmpfs: the kernel's ENOSPC and EROFS, real SQLite files.</summary>
public sealed class JournalDiskFullTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void DiskFull_WriteFails_FaultSaysSo_NoRowIsAcknowledged_ThenFreeingSpaceClearsIt()
    {
        using var disk = SmallDisk.TryMount(2 * 1024 * 1024, out string why);
        if (disk is null)
        {
            output.WriteLine("skipped: " + why);
            return;
        }

        using var journal = JournalStore.Open(disk.File(JournalStore.FileName), _clock);
        long before = journal.Append(new NewDecision("X", Subjects.Cluster, Outcome.Decided));
        string filler = disk.Fill();

        JournalWriteException? failed = null;
        for (int i = 0; i < 200 && failed is null; i++)
        {
            try
            {
                journal.Append(new NewDecision("FenceHost", Subjects.Host("a"), Outcome.Succeeded, new JsonObject { ["pad"] = new string('x', 2000) }));
            }
            catch (JournalWriteException ex)
            {
                failed = ex;
            }
        }

        Assert.NotNull(failed);
        output.WriteLine(failed.Message);
        Assert.Equal($"the disk holding {disk.Path} is full", journal.Fault);
        Assert.False(journal.Ping());
        Assert.Throws<IOException>(journal.WriteHighWater);

        // Still full: the scheduled probe fails and the fault stays.
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(journal.Fault);

        // Space again: the probe (no row) clears the fault before any new decision.
        File.Delete(filler);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(journal.Fault);
        Assert.True(journal.Ping());
        long after = journal.Append(new NewDecision("X", Subjects.Cluster, Outcome.Decided));
        Assert.True(after > before);
        Assert.Equal(after, journal.Stats().LastDecisionId);
    }

    [Fact]
    public void ReadOnlyFileSystem_TheDataDirectorySaysSo_NotInUse()
    {
        using var disk = SmallDisk.TryMount(1024 * 1024, out string why);
        if (disk is null)
        {
            output.WriteLine("skipped: " + why);
            return;
        }

        using (DataDirectory.Acquire(disk.Path))
        {
        }

        disk.Remount(readOnly: true);
        var ex = Assert.Throws<DataDirectoryException>(() => DataDirectory.Acquire(disk.Path));

        Assert.Contains("read-only file system", ex.Message, StringComparison.Ordinal);
        disk.Remount(readOnly: false);
    }

    [Fact]
    public void DiskFull_AcquiringTheDataDirectory_SaysTheDiskIsFull()
    {
        using var disk = SmallDisk.TryMount(1024 * 1024, out string why);
        if (disk is null)
        {
            output.WriteLine("skipped: " + why);
            return;
        }

        string data = Path.Combine(disk.Path, "data");
        disk.Fill();
        var ex = Assert.Throws<DataDirectoryException>(() => DataDirectory.Acquire(data));

        Assert.StartsWith("journal: the disk holding", ex.Message, StringComparison.Ordinal);
    }
}
