using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Failover.Engine;

namespace HaWitness.Failover.Tests.Engine;

/// <summary>The pure start decision: reported state, watch and monotonic now in, the next step out.</summary>
public sealed class StartDecisionTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch + TimeSpan.FromHours(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly VmEntry Web = new() { Name = "web", Host = "b", Epoch = 40 };

    private static StartWatch Watch(string host = "b", long epoch = 40, int tries = 1) => new(host, epoch, T0 + Timeout, tries);

    [Fact]
    public void Next_RunningAtItsEpoch_IsConfirmedOnlyWhenAStartWasWatched()
    {
        var running = new ReportedVm("web", true, 40);

        Assert.Equal(new StartNext(StartStep.None, null, null), StartDecision.Next(Web, running, null, T0, Timeout));
        Assert.Equal(new StartNext(StartStep.Confirmed, null, null), StartDecision.Next(Web, running, Watch(), T0, Timeout));
    }

    [Fact]
    public void Next_NotYetReported_OpensAWatchThatWaitsUntilTheTimeout()
    {
        var opened = StartDecision.Next(Web, null, null, T0, Timeout);

        Assert.Equal(StartStep.Wait, opened.Step);
        Assert.Equal(("b", 40L, T0 + Timeout, 1), (opened.Watch!.Host, opened.Watch.Epoch, opened.Watch.Deadline, opened.Watch.TriesOnHost));
        Assert.Equal(StartStep.Wait, StartDecision.Next(Web, null, opened.Watch, T0 + Timeout - TimeSpan.FromTicks(1), Timeout).Step);
        Assert.Equal(new StartNext(StartStep.Failed, opened.Watch, null), StartDecision.Next(Web, null, opened.Watch, T0 + Timeout, Timeout));
    }

    [Fact]
    public void Next_AStartErrorAtItsEpoch_FailsAtOnce_OneAtAnOlderEpochDoesNot()
    {
        var watch = Watch();

        Assert.Equal(new StartNext(StartStep.Failed, watch, "no such datastore"),
            StartDecision.Next(Web, new ReportedVm("web", false, 40, "no such datastore"), watch, T0, Timeout));
        Assert.Equal(StartStep.Wait, StartDecision.Next(Web, new ReportedVm("web", false, 39, "old error"), watch, T0, Timeout).Step);
        Assert.Equal(StartStep.Wait, StartDecision.Next(Web, new ReportedVm("web", true, 39), watch, T0, Timeout).Step);
    }

    [Fact]
    public void Next_AWatchOfAnotherHostOrEpoch_IsReplacedByAFreshOne()
    {
        foreach (var stale in new[] { Watch(host: "a"), Watch(epoch: 39, tries: 2) })
        {
            stale.RetryAt = T0;
            var next = StartDecision.Next(Web, null, stale, T0 + TimeSpan.FromSeconds(5), Timeout);

            Assert.Equal(StartStep.Wait, next.Step);
            Assert.NotSame(stale, next.Watch);
            Assert.Equal((40L, 1, (DateTimeOffset?)null), (next.Watch!.Epoch, next.Watch.TriesOnHost, next.Watch.RetryAt));
        }
    }

    [Fact]
    public void Next_AFailedTry_IsRetriedOnceItsPauseIsOver_WhateverTheReportSays()
    {
        var watch = Watch();
        watch.RetryAt = T0 + TimeSpan.FromSeconds(2);
        var error = new ReportedVm("web", false, 40, "still broken");

        Assert.Equal(new StartNext(StartStep.Wait, watch, null), StartDecision.Next(Web, error, watch, T0 + TimeSpan.FromSeconds(1), Timeout));
        Assert.Equal(new StartNext(StartStep.Retry, watch, null), StartDecision.Next(Web, error, watch, T0 + TimeSpan.FromSeconds(2), Timeout));
    }
}
