using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Tests.Leases;

/// <summary>
/// The leader's lease deadlines are on the monotonic clock: a step of the appliance's wall clock
/// (±1 h) changes no decision and delays no failover. Each scenario runs once without a step and
/// once per step, and the decisions must be the same at every moment.
/// </summary>
public sealed class WallClockStepTests
{
    private static readonly LeaseOptions Lease = new() { HeartbeatMs = 1000, LeaseMs = 5000 };

    public static TheoryData<int> Steps => new() { 0, 3600, -3600, 86_400 * 365 };

    private static ClusterState TwoHosts()
    {
        var s = new ClusterState();
        s.Apply(1, new RegisterHost("a", "127.0.0.1:7001", "127.0.0.1:7101", "iqn.2026-11.lab:a", "sim", 4, 8192, "g1", "id-a", 3000));
        s.Apply(2, new RegisterHost("b", "127.0.0.1:7002", "127.0.0.1:7102", "iqn.2026-11.lab:b", "sim", 4, 8192, "g1", "id-b", 3000));
        return s;
    }

    /// <summary>
    /// Both hosts heartbeat every second for 10 s; then a falls silent and the wall clock is
    /// stepped by <paramref name="stepSeconds"/>. Returns, for every 100 ms after that, whether the
    /// leader may act on a, a's silence and whether it has quorum.
    /// </summary>
    private static List<(bool Safe, long SilenceMs, bool Quorum)> Run(int stepSeconds)
    {
        var clock = new SteppedWallClock();
        var state = TwoHosts();
        var tracker = new HostLeaseTracker(Lease, clock, () => state.View);
        tracker.LeadershipGained();
        long seqA = 0, seqB = 0;
        for (int t = 0; t < 10; t++)
        {
            tracker.Heartbeat(new HostReport("a", "g1", default, 2, false, [], ++seqA, seqA - 1));
            tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], ++seqB, seqB - 1));
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        clock.StepWall(TimeSpan.FromSeconds(stepSeconds));
        var seen = new List<(bool, long, bool)>();
        for (int tick = 0; tick < 150; tick++)
        {
            if (tick % 10 == 0)
            {
                tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], ++seqB, seqB - 1));
            }

            seen.Add((tracker.IsSafeToAct("a"), (long)tracker.Silence("a")!.Value.TotalMilliseconds, tracker.HasHeartbeatQuorum));
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        return seen;
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void WallClockStep_ChangesNoLeaseDecision(int stepSeconds)
    {
        var unstepped = Run(0);
        var stepped = Run(stepSeconds);

        Assert.Equal(unstepped, stepped);
        // And the failover happens: the silent host becomes safe to act on within the run.
        Assert.Contains(stepped, s => s.Safe);
        Assert.False(stepped[0].Safe);
    }

    [Fact]
    public void ReportAge_AndSilence_IgnoreAWallClockStep_ButTheDisplayedInstantsFollowIt()
    {
        var clock = new SteppedWallClock();
        var state = TwoHosts();
        var tracker = new HostLeaseTracker(Lease, clock, () => state.View);
        tracker.LeadershipGained();
        tracker.Heartbeat(new HostReport("a", "g1", default, 2, false, [], 1, 0));
        var heardAt = tracker.LastHeard("a")!.Value;
        clock.Advance(TimeSpan.FromMilliseconds(700));

        clock.StepWall(TimeSpan.FromHours(-1));

        Assert.Equal(TimeSpan.FromMilliseconds(700), tracker.SinceReport("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(700), tracker.Silence("a"));
        Assert.Equal(heardAt - TimeSpan.FromHours(1), tracker.LastHeard("a")); // shown as the wall clock now reads
        Assert.Equal(clock.GetUtcNow() - TimeSpan.FromMilliseconds(700), tracker.LastHeard("a"));
    }
}
