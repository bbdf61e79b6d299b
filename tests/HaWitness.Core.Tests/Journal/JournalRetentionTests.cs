using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Core.Tests.Journal;

public sealed class JournalRetentionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.File(JournalStore.FileName);

    [Fact]
    public void OldRows_AreDeleted_ButTheLatestDecisionBehindEachCurrentHostAndVmStays()
    {
        using var journal = JournalStore.Open(DbPath, _clock, options: new JournalOptions { RetentionDays = 90 });
        long oldFence = journal.Append(new NewDecision(DecisionKinds.FenceHost, Subjects.Host("a"), Outcome.Failed));
        long fence = journal.Append(new NewDecision(DecisionKinds.FenceHost, Subjects.Host("a"), Outcome.Succeeded));
        long place = journal.Append(new NewDecision(DecisionKinds.PlaceVm, Subjects.Vm("v"), Outcome.Decided));
        long gone = journal.Append(new NewDecision(DecisionKinds.FenceHost, Subjects.Host("gone"), Outcome.Succeeded));
        long join = journal.Append(new NewDecision(DecisionKinds.AgentJoin, Subjects.Agent("x"), Outcome.Refused));
        journal.UpsertHost(new HostUpdate("a", "failed", Fenced: true), "fenced");
        journal.UpsertVm(new VmUpdate("v", "b", "running"), "restarted");

        // Advancing the clock also runs the scheduled retention; the explicit run below then
        // finds nothing more, and either way the same rows must be left.
        _clock.Advance(TimeSpan.FromDays(100));
        long recent = journal.Append(new NewDecision(DecisionKinds.AgentJoin, Subjects.Agent("x"), Outcome.Refused));
        var (decisions, events) = journal.Prune(_clock.GetUtcNow());

        var left = journal.Decisions(new DecisionQuery(Limit: 100)).Select(d => d.Id).Order().ToArray();
        Assert.Equal([fence, place, recent], left);
        Assert.DoesNotContain(oldFence, left);
        Assert.DoesNotContain(gone, left);
        Assert.DoesNotContain(join, left);
        Assert.Equal((0, 0), (decisions, events));
        // The state-change events of the current host and VM are their latest: they stay.
        Assert.Equal(2, journal.Events(limit: 100).Count);
    }

    [Fact]
    public void RowsBeyondTheCount_AreDeleted_OldestFirst_AndTheMarkStillCoversTheIds()
    {
        using var journal = JournalStore.Open(DbPath, _clock, options: new JournalOptions { MaxDecisions = 1000, RetentionDays = 0 });
        for (int i = 0; i < 1500; i++)
        {
            journal.Append(new NewDecision(DecisionKinds.AgentJoin, Subjects.Agent("x" + i), Outcome.Refused));
        }

        var (decisions, _) = journal.Prune(_clock.GetUtcNow());
        journal.WriteHighWater();

        Assert.Equal(500, decisions);
        var left = journal.Decisions(new DecisionQuery(Limit: 1000));
        Assert.Equal(1000, left.Count);
        Assert.Equal(501, left.Min(d => d.Id));
        Assert.Equal(new HighWaterMark(1500, 0), journal.HighWater);
    }

    [Fact]
    public void NothingPastTheLimits_DeletesNothing()
    {
        using var journal = JournalStore.Open(DbPath, _clock);
        journal.Append(new NewDecision(DecisionKinds.AgentJoin, Subjects.Agent("x"), Outcome.Refused));

        Assert.Equal((0, 0), journal.Prune(_clock.GetUtcNow()));
    }
}
