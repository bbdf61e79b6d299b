using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Core.Tests.Journal;

/// <summary>Refusals counted per (kind, source) and window on a fake clock: bounded rows, nothing lost.</summary>
public sealed class RefusalTallyTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 19, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private static Refusal Wrong(string source) =>
        new("join-token", DecisionKinds.AgentJoin, Subjects.Cluster, source, "wrong join token", $"join refused from {source}: wrong join token");

    private static List<DecisionRecord> Rows(JournalStore journal) =>
        [.. journal.Decisions(new DecisionQuery(Kind: DecisionKinds.AgentJoin, Limit: 1000))];

    [Fact]
    public void AFloodFromOneSource_IsOneRowAtOnce_ThenOneSummaryPerWindow_WithTheCount()
    {
        using var journal = JournalStore.Open(_dir.File(JournalStore.FileName), _clock);
        var counted = new List<string>();
        journal.Refusals.OnCounted = counted.Add;

        Assert.True(journal.Refusals.Refused(Wrong("10.0.0.9")));
        for (int i = 0; i < 9_999; i++)
        {
            Assert.False(journal.Refusals.Refused(Wrong("10.0.0.9")));
        }

        Assert.Single(Rows(journal));
        _clock.Advance(TimeSpan.FromSeconds(61));
        var rows = Rows(journal);
        Assert.Equal(2, rows.Count);
        Assert.Equal(9_999, rows[0].Evidence()!["count"]!.GetValue<int>());
        Assert.Contains("9999 more refused join-token request(s) from 10.0.0.9", rows[0].Summary(), StringComparison.Ordinal);
        Assert.Equal(10_000, counted.Count);

        // A quiet window closes the bucket; the next refusal is journaled at once again.
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(2, Rows(journal).Count);
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.True(journal.Refusals.Refused(Wrong("10.0.0.9")));
        Assert.Equal(3, Rows(journal).Count);
    }

    [Fact]
    public void ManySources_AreBounded_AndNoCountIsLost_WhenTheJournalCloses()
    {
        string path = _dir.File(JournalStore.FileName);
        using (var journal = JournalStore.Open(path, _clock))
        {
            for (int s = 0; s < 1000; s++)
            {
                for (int i = 0; i < 3; i++)
                {
                    journal.Refusals.Refused(Wrong($"10.0.{s / 250}.{s % 250}"));
                }
            }

            Assert.Equal(RefusalTally.MaxImmediatePerWindow, Rows(journal).Count);
        }

        using var reopened = JournalStore.Open(path, _clock);
        var rows = Rows(reopened);
        Assert.InRange(rows.Count, 1, RefusalTally.MaxImmediatePerWindow + RefusalTally.MaxSources + 1);
        Assert.Equal(3000, rows.Sum(r => r.Evidence()!["count"]!.GetValue<int>()));
        Assert.Contains(rows, r => r.Evidence()!["remote"]!.GetValue<string>() == RefusalTally.OverflowSource);
    }
}
