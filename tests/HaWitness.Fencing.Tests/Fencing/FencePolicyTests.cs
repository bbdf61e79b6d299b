using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Fencing.Targets;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Fencing.Tests.Fencing;

/// <summary>The retry policy over a scripted driver (the real tgt path is in StorageFencerTests).</summary>
public sealed class FencePolicyTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly JournalStore _journal;

    public FencePolicyTests()
    {
        _journal = JournalStore.Open(_dir.File("journal.db"));
    }

    public void Dispose()
    {
        _journal.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task TransientErrors_AreRetried_AfterTheDelayOnTheInjectedClock_UntilVerified()
    {
        var time = new FakeTimeProvider();
        var driver = new ScriptedDriver(
            new TargetException(new TargetError(TargetErrorKind.Timeout, "slow")),
            new TargetException(new TargetError(TargetErrorKind.ConnectionFailed, "lost")),
            Verified());
        var fencer = new StorageFencer(driver, _journal, new FencePolicy(3, TimeSpan.FromSeconds(1)), time);

        var pending = fencer.FenceAsync(new FenceRequest("a", "iqn.2026-01.test:hosta", "t"), CancellationToken.None);
        for (int i = 0; i < 50 && driver.Calls < 3; i++)
        {
            await Task.Delay(10);
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        var outcome = await pending;
        Assert.True(outcome.Verified, outcome.Summary);
        Assert.Equal(3, driver.Calls);
        Assert.Equal(3, outcome.Evidence["attempts"]!.AsArray().Count);
    }

    [Fact]
    public async Task AFenceThatChangedThingsOnAnEarlierAttempt_IsNotReportedAsANoOp()
    {
        var driver = new ScriptedDriver(new DriverReport { Changed = true, Verified = false }, new DriverReport { Changed = false, Verified = true });
        var fencer = new StorageFencer(driver, _journal, new FencePolicy(2, TimeSpan.Zero));

        var outcome = await fencer.FenceAsync(new FenceRequest("a", "iqn.2026-01.test:hosta", "t"), CancellationToken.None);

        Assert.True(outcome.Verified);
        Assert.False(outcome.NoOp);
        Assert.Equal(Outcome.Succeeded, _journal.Decisions(new DecisionQuery(Limit: 1)).Single().Outcome);
    }

    [Fact]
    public async Task HostKeyMismatch_IsNotRetried()
    {
        var driver = new ScriptedDriver(new TargetException(new TargetError(TargetErrorKind.HostKeyMismatch, "changed")), Verified());
        var fencer = new StorageFencer(driver, _journal, new FencePolicy(3, TimeSpan.Zero));

        var outcome = await fencer.FenceAsync(new FenceRequest("a", "iqn.2026-01.test:hosta", "t"), CancellationToken.None);

        Assert.False(outcome.Verified);
        Assert.Equal(1, driver.Calls);
        Assert.StartsWith("HostKeyMismatch", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoTarget_IsRefused_NotReportedDone()
    {
        var fencer = new StorageFencer(null, _journal);
        Assert.False(fencer.IsConfigured);
        var outcome = await fencer.FenceAsync(new FenceRequest("a", "iqn.2026-01.test:hosta", "t"), CancellationToken.None);
        Assert.False(outcome.Verified);
        Assert.Equal(Outcome.Refused, _journal.Decisions(new DecisionQuery()).Single().Outcome);
    }

    private static DriverReport Verified() => new() { Verified = true, Changed = true };

    private sealed class ScriptedDriver(params object[] script) : ITargetDriver
    {
        public int Calls { get; private set; }

        public string Kind => "scripted";

        public string Destination => "nowhere";

        public Task<TargetInventory> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DriverReport> GrantAsync(string initiator, CancellationToken cancellationToken) => Next();

        public Task<DriverReport> FenceAsync(string initiator, CancellationToken cancellationToken) => Next();

        private Task<DriverReport> Next()
        {
            object step = script[Math.Min(Calls++, script.Length - 1)];
            return step is Exception ex ? Task.FromException<DriverReport>(ex) : Task.FromResult((DriverReport)step);
        }
    }
}
