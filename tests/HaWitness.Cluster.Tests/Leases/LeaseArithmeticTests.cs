using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Tests.Leases;

/// <summary>
/// The crux of split-brain safety, on fake clocks that drift: for every clock drift within the
/// bound ρ, an isolated agent has finished powering off its VMs before the appliance may act on
/// its failure. The real <see cref="AgentLease"/>, <see cref="SelfFencePolicy"/> and
/// <see cref="HostLeaseTracker"/> run; only time is simulated.
/// </summary>
public sealed class LeaseArithmeticTests
{
    private const int PowerOffMs = 3000;

    private static ClusterState TwoHosts()
    {
        var s = new ClusterState();
        s.Apply(1, new RegisterHost("a", "127.0.0.1:7001", "127.0.0.1:7101", "iqn.2026-11.lab:a", "sim", 4, 8192, "g1", "id-a", PowerOffMs));
        s.Apply(2, new RegisterHost("b", "127.0.0.1:7002", "127.0.0.1:7102", "iqn.2026-11.lab:b", "sim", 4, 8192, "g1", "id-b", PowerOffMs));
        return s;
    }

    private static double Rate(Random rng, double rho) => rng.Next(3) switch
    {
        0 => 1 - rho,
        1 => 1 + rho,
        _ => 1 - rho + rng.NextDouble() * 2 * rho,
    };

    public static TheoryData<int, int, double> Settings => new()
    {
        { 1000, 5000, 0.01 },
        { 500, 2500, 0.01 }, // the shipped defaults
        { 250, 1250, 0.01 }, // the tuned profile (docs/failover.md)
        { 500, 3500, 0.01 },
        { 1000, 5000, 0.05 },
        { 200, 2500, 0.0 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void IsolatedAgent_IsOffBeforeTheApplianceMayAct_ForEveryDriftWithinTheBound(int heartbeatMs, int leaseMs, double rho)
    {
        var o = new LeaseOptions { HeartbeatMs = heartbeatMs, HeartbeatTimeoutMs = heartbeatMs / 2, LeaseMs = leaseMs, DriftBound = rho };
        o.Validate();
        var rng = new Random(heartbeatMs * 31 + leaseMs);
        double tightest = double.MaxValue;
        for (int trial = 0; trial < 2000; trial++)
        {
            var agentClock = new DriftClock(Rate(rng, rho));
            var applianceClock = new DriftClock(Rate(rng, rho));
            var state = TwoHosts();
            var lease = new AgentLease(o, agentClock.Time);
            var tracker = new HostLeaseTracker(o, applianceClock.Time, () => state.View);
            tracker.LeadershipGained();

            // b is heard all along (it keeps the appliance's heartbeat quorum).
            double real = 0;
            void Both(double t)
            {
                agentClock.At(t);
                applianceClock.At(t);
                real = t;
            }

            long bSeq = 0;
            void HearB(double until)
            {
                for (double t = Math.Ceiling(real / heartbeatMs) * heartbeatMs; t <= until; t += heartbeatMs)
                {
                    Both(t);
                    bSeq++;
                    tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], bSeq, bSeq - 1));
                }
            }

            // a's last heartbeats: a few normal ones, then one with random delays; then silence.
            double send = 10 + rng.NextDouble() * 1000;
            int beats = 1 + rng.Next(3);
            for (int i = 0; i < beats; i++, send = Math.Max(send + heartbeatMs, real + 0.001))
            {
                HearB(send);
                Both(send);
                long seq = lease.BeginHeartbeat();
                double toAppliance = rng.NextDouble() * o.HeartbeatTimeoutMs;
                double back = rng.NextDouble() * o.HeartbeatTimeoutMs * 1.2; // sometimes too late: ignored
                HearB(send + toAppliance);
                Both(send + toAppliance);
                tracker.Heartbeat(new HostReport("a", "g1", default, 2, false, [], seq, 0));
                HearB(send + toAppliance + back);
                Both(send + toAppliance + back);
                lease.Acknowledge(seq);
            }

            if (!lease.EverHeld)
            {
                continue; // every ack was late: the agent never held a lease, nothing to race
            }

            // The agent: its lease expires, its probe finds b leased (b hears the appliance),
            // the policy says fence, and powering off takes up to PowerOffMs of its own time.
            double expiry = real;
            while (lease.IsValid)
            {
                HearB(expiry + 1);
                expiry += 1;
                agentClock.At(expiry);
                applianceClock.At(expiry);
                real = expiry;
            }

            var verdict = SelfFencePolicy.Decide(lease.IsValid, voters: 3, [new PeerAnswer("b", Reachable: true, LeaseValid: true)]);
            Assert.True(verdict.Fence);
            double agentOffReal = expiry + (o.ProbeTimeoutMs + PowerOffMs) / agentClock.Rate;

            // The appliance: may act no earlier than SafeToActAt on its own clock.
            var early = tracker.SafeToActAt("a");
            HearB(expiry + 60_000);
            var safe = tracker.SafeToActAt("a");
            Assert.True(early == safe, $"trial {trial}: SafeToActAt moved from {early:O} to {safe:O}: the quorum flickered although b kept heartbeating");
            Assert.NotNull(safe);
            double applianceActsReal = applianceClock.RealAt(safe.Value);
            Assert.True(agentOffReal < applianceActsReal,
                $"trial {trial}: agent (rate {agentClock.Rate}) off at {agentOffReal:F1} ms real, appliance (rate {applianceClock.Rate}) may act at {applianceActsReal:F1} ms");
            tightest = Math.Min(tightest, applianceActsReal - agentOffReal);
        }

        // The bound is safe, and not wastefully loose: the margin δ is the smallest gap seen, give or take.
        Assert.InRange(tightest, 0, o.MarginMs + 0.1 * leaseMs);
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void AgentThatKeptRunningWithoutALeader_IsOffBeforeANewLeaderMayAct(int heartbeatMs, int leaseMs, double rho)
    {
        // W was down; a and b both lost their leases and, finding no leader anywhere, kept their
        // VMs. W comes back cut off from a: once b's claim has settled, a's next probe finds it
        // and a fences.
        var o = new LeaseOptions { HeartbeatMs = heartbeatMs, HeartbeatTimeoutMs = heartbeatMs / 2, LeaseMs = leaseMs, DriftBound = rho };
        var rng = new Random(leaseMs * 17 + heartbeatMs);
        for (int trial = 0; trial < 2000; trial++)
        {
            var aClock = new DriftClock(Rate(rng, rho));
            var bClock = new DriftClock(Rate(rng, rho));
            var wClock = new DriftClock(Rate(rng, rho));
            var state = TwoHosts();
            var bLease = new AgentLease(o, bClock.Time);
            var tracker = new HostLeaseTracker(o, wClock.Time, () => state.View);
            void All(double t)
            {
                aClock.At(t);
                bClock.At(t);
                wClock.At(t);
            }

            double t0 = 100 + rng.NextDouble() * 1000;
            All(t0);
            tracker.LeadershipGained();

            // b heartbeats every H (its clock) from a random phase, each acknowledged or not (too
            // late); a probes every P of its own time from a random phase, and the first probe
            // that finds b claiming a leader decides to fence; then T_probe + T_off of a's time.
            var sends = new List<double>();
            for (double t = t0 + rng.NextDouble() * heartbeatMs / bClock.Rate; t < t0 + 4 * leaseMs + 10_000; t += heartbeatMs / bClock.Rate)
            {
                sends.Add(t);
            }

            var events = new List<(double At, int Kind, int Beat, double Up, double Down)>(); // 0 send, 1 reaches W, 2 ack arrives
            for (int i = 0; i < sends.Count; i++)
            {
                // Random delays; one acknowledgement in ten comes too late (ignored).
                double up = rng.NextDouble() * o.HeartbeatTimeoutMs / bClock.Rate;
                double down = rng.NextDouble() < 0.1 ? 1.1 * o.HeartbeatTimeoutMs / bClock.Rate : rng.NextDouble() * (0.99 * o.HeartbeatTimeoutMs / bClock.Rate - up);
                events.Add((sends[i], 0, i, up, down));
                events.Add((sends[i] + up, 1, i, up, down));
                events.Add((sends[i] + up + down, 2, i, up, down));
            }

            events.Sort((x, y) => x.At.CompareTo(y.At));
            var seqs = new long[sends.Count];
            long bAcked = 0;
            double probe = t0 + rng.NextDouble() * o.ProbeIntervalMs / aClock.Rate;
            double? aOffReal = null;
            double? wActsReal = null; // the first moment W may act on a
            double checkedAt = t0;
            void MayAct(double now)
            {
                if (wActsReal is null && tracker.SafeToActAt("a") is { } at && wClock.RealAt(at) <= now)
                {
                    wActsReal = Math.Max(checkedAt, wClock.RealAt(at)); // it was not yet safe at the previous look
                }

                checkedAt = now;
            }

            foreach (var e in events)
            {
                while (aOffReal is null && probe <= e.At)
                {
                    All(probe);
                    MayAct(probe);
                    if (bLease.LeaderRecent)
                    {
                        aOffReal = probe + (o.ProbeTimeoutMs + PowerOffMs) / aClock.Rate;
                    }

                    probe += o.ProbeIntervalMs / aClock.Rate;
                }

                All(e.At);
                MayAct(e.At);
                switch (e.Kind)
                {
                    case 0:
                        seqs[e.Beat] = bLease.BeginHeartbeat();
                        break;
                    case 1:
                        tracker.Heartbeat(new HostReport("b", "g1", default, 2, false, [], seqs[e.Beat], bAcked));
                        break;
                    default:
                        if (bLease.Acknowledge(seqs[e.Beat]))
                        {
                            bAcked = Math.Max(bAcked, seqs[e.Beat]);
                        }

                        break;
                }
            }

            Assert.True(aOffReal is not null, $"trial {trial}: a never found b's claim");
            if (wActsReal is null)
            {
                continue; // b's acknowledgements failed often enough that W's quorum kept restarting: it never may act
            }

            Assert.True(aOffReal < wActsReal, $"trial {trial}: a off at {aOffReal:F1}, W may act at {wActsReal:F1}");
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void ApplianceComesBack_NoHostItHears_FindsAPeerClaimingALeaderBeforeItsOwnLeaseHoldsAgain(int heartbeatMs, int leaseMs, double rho)
    {
        // Issue 12, part 5 (an appliance restart is not an outage). W crashes and comes back after
        // a random time, from well under the lease to twice it. Both hosts heartbeat every H of
        // their own clocks from random phases; W acknowledges every heartbeat that reaches it while
        // it runs, within T_max. At no moment may a host whose lease has lapsed find the other one
        // claiming a leader: its probe would say "a leader exists that does not hear me", and it
        // would fence itself although the leader hears it. (Before claims had to settle, the first
        // host W acknowledged claimed at once, and every timing set failed in its first trials.)
        var o = new LeaseOptions { HeartbeatMs = heartbeatMs, HeartbeatTimeoutMs = heartbeatMs / 2, LeaseMs = leaseMs, DriftBound = rho };
        o.Validate();
        var rng = new Random(leaseMs * 13 + heartbeatMs);
        for (int trial = 0; trial < 500; trial++)
        {
            var clocks = new[] { new DriftClock(Rate(rng, rho)), new DriftClock(Rate(rng, rho)) };
            var leases = clocks.Select(c => new AgentLease(o, c.Time)).ToArray();
            // Down from crash to back; in half the trials it dies again soon after (a brief
            // leadership, up to 3 H) and comes back at back2.
            double crash = 4 * leaseMs + rng.NextDouble() * 1000;
            double back = crash + rng.NextDouble() * 2 * leaseMs;
            double crash2 = rng.Next(2) == 0 ? back + rng.NextDouble() * 3 * heartbeatMs : double.MaxValue;
            double back2 = crash2 == double.MaxValue ? double.MaxValue : crash2 + rng.NextDouble() * 2 * leaseMs;
            double end = (back2 == double.MaxValue ? back : back2) + 2 * leaseMs;
            bool Up(double t) => t < crash || (t >= back && t < crash2) || t >= back2;

            var events = new List<(double At, int Host, int Beat, bool Send)>();
            var acked = new List<bool>[2];
            var terms = new Dictionary<(int, int), long>();
            for (int h = 0; h < 2; h++)
            {
                acked[h] = [];
                int beat = 0;
                for (double t = rng.NextDouble() * heartbeatMs / clocks[h].Rate; t < end; t += heartbeatMs / clocks[h].Rate, beat++)
                {
                    events.Add((t, h, beat, true));
                    // Up to T_max of the host's clock there and back; acknowledged only if W runs when it arrives.
                    double rtt = rng.NextDouble() * o.HeartbeatTimeoutMs / clocks[h].Rate;
                    double reaches = t + rtt * rng.NextDouble();
                    bool ack = Up(reaches) && Up(t + rtt);
                    acked[h].Add(ack);
                    if (ack)
                    {
                        events.Add((t + rtt, h, beat, false));
                        terms[(h, beat)] = reaches < crash ? 1 : reaches < crash2 ? 2 : 3; // each start of W leads in a new term
                    }
                }
            }

            events.Sort((x, y) => x.At.CompareTo(y.At));
            var seqs = new[] { new Dictionary<int, long>(), new Dictionary<int, long>() };
            double last = 0;
            foreach (var e in events)
            {
                // From the crash on, check the whole stretch since the last event, 10 ms apart.
                for (double t = Math.Max(last, crash) + 10; t < e.At; t += 10)
                {
                    Check(t);
                }

                Check(e.At);
                last = e.At;
                if (e.Send)
                {
                    seqs[e.Host][e.Beat] = leases[e.Host].BeginHeartbeat();
                }
                else
                {
                    leases[e.Host].Acknowledge(seqs[e.Host][e.Beat], terms[(e.Host, e.Beat)]);
                }
            }

            void Check(double t)
            {
                clocks[0].At(t);
                clocks[1].At(t);
                for (int h = 0; h < 2; h++)
                {
                    if (leases[h].EverHeld && !leases[h].IsValid && leases[1 - h].LeaderRecent)
                    {
                        Assert.Fail($"trial {trial}: W down from {crash:F0} to {back:F0} ms (and from {crash2:F0} to {back2:F0}); at {t:F0} ms host {h} (rate {clocks[h].Rate}) has no lease while host {1 - h} (rate {clocks[1 - h].Rate}) claims a leader: host {h} would fence itself although W hears it");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void WitnessCrash_TheHostWhoseLeaseExpiresFirst_FindsNoPeerClaimingALeader_SoNobodyFences(int heartbeatMs, int leaseMs, double rho)
    {
        var o = new LeaseOptions { HeartbeatMs = heartbeatMs, HeartbeatTimeoutMs = heartbeatMs / 2, LeaseMs = leaseMs, DriftBound = rho };
        o.Validate();
        var rng = new Random(leaseMs * 7 + heartbeatMs);
        for (int trial = 0; trial < 2000; trial++)
        {
            var clocks = new[] { new DriftClock(Rate(rng, rho)), new DriftClock(Rate(rng, rho)) };
            var leases = clocks.Select(c => new AgentLease(o, c.Time)).ToArray();
            double crash = 3000 + rng.NextDouble() * 3000;

            // Each host heartbeats every H of its own clock from a random phase; acknowledgements
            // come back within T_max while the witness lives, never after it crashed.
            var events = new List<(double Real, int Host, bool Send, long Seq)>();
            var seqs = new Dictionary<(int, double), long>();
            for (int h = 0; h < 2; h++)
            {
                for (double t = rng.NextDouble() * heartbeatMs; t < crash + leaseMs * 2; t += heartbeatMs / clocks[h].Rate)
                {
                    events.Add((t, h, true, 0));
                    double back = t + rng.NextDouble() * 0.9 * o.HeartbeatTimeoutMs / clocks[h].Rate;
                    if (back < crash)
                    {
                        events.Add((back, h, false, 0));
                    }
                }
            }

            var pending = new[] { new Queue<long>(), new Queue<long>() };
            double last = 0;
            foreach (var e in events.Where(e => e.Real < crash + o.HeartbeatTimeoutMs).OrderBy(e => e.Real))
            {
                clocks[0].At(e.Real);
                clocks[1].At(e.Real);
                last = e.Real;
                if (e.Send)
                {
                    pending[e.Host].Enqueue(leases[e.Host].BeginHeartbeat());
                }
                else
                {
                    leases[e.Host].Acknowledge(pending[e.Host].Dequeue());
                }
            }

            // No acknowledgement comes any more: each lease now ends at a fixed real time.
            double[] end = [last + leases[0].Remaining.TotalMilliseconds / clocks[0].Rate, last + leases[1].Remaining.TotalMilliseconds / clocks[1].Rate];
            int first = end[0] <= end[1] ? 0 : 1;
            double at = end[first] + 0.01;
            clocks[0].At(at);
            clocks[1].At(at);
            Assert.False(leases[first].IsValid);
            int other = 1 - first;
            Assert.False(leases[other].LeaderRecent,
                $"trial {trial}: host {first} (rate {clocks[first].Rate}) expired while host {other} (rate {clocks[other].Rate}) still claims a leader");
            var verdict = SelfFencePolicy.Decide(false, 3, [new PeerAnswer("other", true, leases[other].LeaderRecent)]);
            Assert.False(verdict.Fence, verdict.Reason);
        }
    }

    [Fact]
    public void WithoutHeartbeatQuorum_TheApplianceMayNotActAtAll()
    {
        var o = new LeaseOptions();
        var clock = new DriftClock(1);
        var state = TwoHosts();
        var tracker = new HostLeaseTracker(o, clock.Time, () => state.View);
        tracker.LeadershipGained();
        clock.At(60_000);

        Assert.False(tracker.HasHeartbeatQuorum);
        Assert.Null(tracker.SafeToActAt("a"));
        Assert.Equal((3, 1), tracker.Quorum());
    }

    [Fact]
    public void LateAcknowledgement_DoesNotExtendTheLease()
    {
        var o = new LeaseOptions();
        var clock = new DriftClock(1);
        var lease = new AgentLease(o, clock.Time);
        long seq = lease.BeginHeartbeat();
        clock.At(o.HeartbeatTimeoutMs + 1);
        Assert.False(lease.Acknowledge(seq));
        Assert.False(lease.IsValid);

        long next = lease.BeginHeartbeat();
        clock.At(o.HeartbeatTimeoutMs + 2);
        Assert.True(lease.Acknowledge(next));
        Assert.True(lease.IsValid);
        // Counted from the send time, not the answer's arrival.
        Assert.Equal(TimeSpan.FromMilliseconds(o.LeaseMs - 1), lease.Remaining);
    }

    [Theory]
    [InlineData(true, 3, new[] { false }, new[] { false }, false)]   // lease held: run
    [InlineData(false, 3, new[] { true }, new[] { true }, true)]     // a peer hears a leader: fence
    [InlineData(false, 3, new[] { false }, new[] { false }, true)]   // alone (1 of 3): fence
    [InlineData(false, 3, new[] { true }, new[] { false }, false)]   // W down, b reachable, nobody leads: run
    [InlineData(false, 5, new[] { true, false, false }, new[] { false, false, false }, true)] // 2 of 5: fence
    [InlineData(false, 5, new[] { true, true, false }, new[] { false, false, false }, false)] // 3 of 5, no leader: run
    [InlineData(false, 2, new bool[0], new bool[0], false)]                       // witness + this host, witness gone: it alone decides nothing
    [InlineData(false, 4, new[] { true, false }, new[] { false, false }, false)]  // half of 4 reached: the other half has no majority
    [InlineData(false, 4, new[] { false, false }, new[] { false, false }, true)]   // 1 of 4: the other 3 are a majority
    public void SelfFencePolicy_FollowsRuleTwo(bool leaseValid, int voters, bool[] reachable, bool[] leased, bool fence)
    {
        var peers = reachable.Select((r, i) => new PeerAnswer("p" + i, r, leased[i])).ToList();
        Assert.Equal(fence, SelfFencePolicy.Decide(leaseValid, voters, peers).Fence);
    }

    [Fact]
    public void DefaultTimings_GiveTheDocumentedBounds()
    {
        var o = new LeaseOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(3107), LeaseMath.FailedAfter(o));
        Assert.Equal(TimeSpan.FromMilliseconds(6168), LeaseMath.SafeAfterHeartbeat(o, PowerOffMs));
        Assert.Equal(TimeSpan.FromMilliseconds(4127), LeaseMath.SafeAfterHeartbeat(o, PowerOffBounds.SimMs));
        Assert.Equal(TimeSpan.FromMilliseconds(1221), LeaseMath.PeerLeaseHeld(o));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), LeaseMath.LeaderClaim(o));
        Assert.Equal(TimeSpan.FromMilliseconds(1271), LeaseMath.ClaimSettle(o));
        Assert.Equal(TimeSpan.FromMilliseconds(7209), LeaseMath.SafeAfterQuorum(o, PowerOffMs));
        Assert.Equal(TimeSpan.FromMilliseconds(5169), LeaseMath.SafeAfterQuorum(o, PowerOffBounds.SimMs));
    }

    [Fact]
    public void AClaim_IsToldOnlyOnceTheLeaderAcknowledgedItAgainAfterItSettled_AndALapseStartsItAgain()
    {
        var o = new LeaseOptions { HeartbeatMs = 500, HeartbeatTimeoutMs = 250, LeaseMs = 2500, ProbeIntervalMs = 500, ProbeTimeoutMs = 300, MarginMs = 250 };
        o.Validate();
        var clock = new DriftClock(1);
        var lease = new AgentLease(o, clock.Time);
        double settle = LeaseMath.ClaimSettle(o).TotalMilliseconds;
        Assert.Equal(1271, settle); // (500 + 2·250)·(1.01/0.99) + 250

        // Heartbeats every 500 ms, each acknowledged 10 ms later.
        double t = 0;
        void Beat()
        {
            clock.At(t);
            long seq = lease.BeginHeartbeat();
            clock.At(t + 10);
            Assert.True(lease.Acknowledge(seq));
            t += 500;
        }

        Beat();
        Assert.True(lease.IsValid);
        Assert.False(lease.LeaderRecent); // leased, but the claim is new
        Beat();
        Beat();
        clock.At(10 + settle + 100); // settled, but no acknowledgement since then proves the leader still answers
        Assert.False(lease.LeaderRecent);
        Beat(); // sent at 1500, acknowledged at 1510: the leader answered 1500 ms after the claim began
        Assert.True(lease.LeaderRecent);

        // Silence: the claim ends R = 1500 ms after the last acknowledged send (1500 ms), as before.
        clock.At(2999);
        Assert.True(lease.LeaderRecent);
        clock.At(3000);
        Assert.False(lease.LeaderRecent);

        // Acknowledged again after the lapse: a new claim, which settles again.
        t = 4000;
        Beat();
        Assert.True(lease.IsValid);
        Assert.False(lease.LeaderRecent);
        while (t < 4010 + settle)
        {
            Beat();
            Assert.False(lease.LeaderRecent);
        }

        Beat();
        Assert.True(lease.LeaderRecent);
        lease.Revoke();
        Assert.False(lease.LeaderRecent);
    }
}
