using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Tests.Leases;

/// <summary>
/// What lets the leader act the moment something is due instead of at its next tick: a report that
/// says something new about a host's VMs is signalled once, and the time left until a silent host
/// may be acted on counts down on the monotonic clock, whatever the wall clock does.
/// </summary>
public sealed class WakeSignalTests
{
    private static readonly LeaseOptions Lease = new();

    private static ClusterState TwoHosts()
    {
        var s = new ClusterState();
        s.Apply(1, new RegisterHost("a", "127.0.0.1:7001", "127.0.0.1:7101", "iqn.2026-11.lab:a", "sim", 4, 8192, "g1", "id-a", 1000));
        s.Apply(2, new RegisterHost("b", "127.0.0.1:7002", "127.0.0.1:7102", "iqn.2026-11.lab:b", "sim", 4, 8192, "g1", "id-b", 1000));
        return s;
    }

    [Fact]
    public void ReportChanged_FiresForANewHostReportAndEachVmChange_NotForARepeat()
    {
        var clock = new SteppedWallClock();
        var state = TwoHosts();
        var tracker = new HostLeaseTracker(Lease, clock, () => state.View);
        tracker.LeadershipGained();
        var changed = new List<string>();
        tracker.ReportChanged += changed.Add;

        tracker.Heartbeat(new HostReport("a", "g1", default, 2, false, [new ReportedVm("web", false, 0)], 1, 0));
        tracker.Heartbeat(new HostReport("a", "g1", default, 3, false, [new ReportedVm("web", false, 0)], 2, 1)); // only the applied index moved
        Assert.Equal(["a"], changed);

        tracker.Heartbeat(new HostReport("a", "g1", default, 3, false, [new ReportedVm("web", true, 14)], 3, 2)); // a start
        tracker.Heartbeat(new HostReport("a", "g1", default, 3, false, [new ReportedVm("web", true, 14)], 4, 3));
        tracker.Heartbeat(new HostReport("a", "g1", default, 3, true, [new ReportedVm("web", false, 0)], 5, 4)); // self-fenced
        Assert.Equal(["a", "a", "a"], changed);
    }

    [Fact]
    public void UntilSafeToAct_CountsDownOnTheMonotonicClock_AndIgnoresAWallClockStep()
    {
        var clock = new SteppedWallClock();
        var state = TwoHosts();
        var tracker = new HostLeaseTracker(Lease, clock, () => state.View);
        Assert.Null(tracker.UntilSafeToAct("a")); // not leader: may not act at all

        tracker.LeadershipGained();
        tracker.Heartbeat(new HostReport("a", "g1", default, 2, false, [], 1, 0));
        tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], 1, 0));
        tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], 2, 1));
        Assert.True(tracker.HasHeartbeatQuorum);
        var first = tracker.UntilSafeToAct("a")!.Value;
        Assert.True(first > TimeSpan.Zero);
        Assert.False(tracker.IsSafeToAct("a"));

        clock.StepWall(TimeSpan.FromHours(1));
        clock.Advance(TimeSpan.FromMilliseconds(400));
        tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], 3, 2));
        Assert.Equal(first - TimeSpan.FromMilliseconds(400), tracker.UntilSafeToAct("a"));

        // Advanced to the deadline exactly: it is due, and the decision agrees.
        long seq = 3;
        var period = TimeSpan.FromMilliseconds(400);
        for (var left = tracker.UntilSafeToAct("a")!.Value; left > TimeSpan.Zero; left = tracker.UntilSafeToAct("a")!.Value)
        {
            clock.Advance(left < period ? left : period);
            tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], seq + 1, seq));
            seq++;
        }

        Assert.Equal(TimeSpan.Zero, tracker.UntilSafeToAct("a"));
        Assert.True(tracker.IsSafeToAct("a"));
    }
}
