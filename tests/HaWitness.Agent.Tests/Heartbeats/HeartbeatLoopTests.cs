using HaWitness.Agent.Runtime;
using HaWitness.Agent.Runtime.Heartbeats;
using HaWitness.Agent.Runtime.Reconcile;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Quorum;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Agent.Tests.Heartbeats;

/// <summary>
/// The heartbeat loop against the leader's real side (<see cref="HeartbeatService"/> and its
/// <see cref="HostLeaseTracker"/>), in process instead of over HTTPS: the leader must count the
/// host as leased from the acknowledgements the agent reports, also after the agent's lease was
/// replaced (a re-join, a self-fence).
/// </summary>
public sealed class HeartbeatLoopTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));
    private readonly LeaseOptions _lease = new();
    private readonly Log _log = new();
    private readonly MemberKeys _keys = new(new byte[32]);

    [Fact]
    public async Task AfterTheLeaseIsReplaced_TheLeaderCountsTheHostAgain_AtItsNextHeartbeats()
    {
        _log.Apply(new RegisterHost("host-a", "127.0.0.1:7001", "127.0.0.1:7002", "iqn.2026-12.lab:host-a", "sim", 4, 4096, "g1", "id-a", 1000));
        var tracker = new HostLeaseTracker(_lease, _time, () => _log.View);
        tracker.LeadershipGained();
        var service = new HeartbeatService(_keys, _log, tracker, () => true, () => (1, "appliance", _log.View.Index));
        var state = new AgentState(new AgentOptions { Name = "host-a" }, _time, () => "g1") { MemberKey = _keys.KeyFor("host-a", "id-a") };
        state.UseTimings(_lease);
        var link = new InProcessLink(service);
        var loop = new HeartbeatLoop(state, link, new Replica(_log), new VmInventory(), NullLogger<HeartbeatLoop>.Instance);

        // A long-lived lease: 300 heartbeats acknowledged.
        for (int i = 0; i < 300; i++)
        {
            await loop.BeatNowAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(_lease.HeartbeatMs));
        }

        Assert.True(tracker.HasHeartbeatQuorum);
        Assert.Equal(300, state.Lease.AckedSeq);

        // The agent joins again (the join installs the timings: a new lease, numbered from 1).
        // The leader has meanwhile stopped counting it.
        state.UseTimings(_lease);
        _time.Advance(TimeSpan.FromMilliseconds(LeaseMath.PeerLeaseHeld(_lease).TotalMilliseconds + 1));
        Assert.False(tracker.HasHeartbeatQuorum);

        for (int i = 0; i < 3; i++)
        {
            await loop.BeatNowAsync(CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(_lease.HeartbeatMs));
        }

        // Every acknowledgement reported names a heartbeat of the new lease, sent before it.
        Assert.All(link.Sent.TakeLast(3), r => Assert.True(r.AckedSeq < r.Seq, $"heartbeat {r.Seq} reports ack {r.AckedSeq}"));
        Assert.True(tracker.HasHeartbeatQuorum, "the leader does not count the re-joined host as leased");
    }

    private sealed class InProcessLink(HeartbeatService service) : IApplianceLink
    {
        public List<HeartbeatRequest> Sent { get; } = [];

        public Task<ApiResult<HeartbeatResponse>> HeartbeatAsync(HeartbeatRequest request, string memberKey, TimeSpan timeout, CancellationToken ct)
        {
            Sent.Add(request);
            return Task.FromResult(service.Heartbeat(request, memberKey));
        }
    }

    /// <summary>The committed state (the leader's log, applied in process).</summary>
    private sealed class Log : ICommandLog
    {
        private readonly ClusterState _state = new();

        public ClusterView View => _state.View;

        public ClusterState State => _state;

        public void Apply(ClusterCommand command) => Assert.True(_state.Apply(_state.LastIndex + 1, command).Applied);

        public Task<Commit> ProposeAsync(ClusterCommand command, CancellationToken cancellationToken) =>
            throw new NotSupportedException("heartbeats propose nothing");
    }

    private sealed class Replica(Log log) : IAgentReplica
    {
        public ClusterView View => log.View;

        public long AppliedIndex => log.State.LastIndex;

        public event Action? Applied
        {
            add { }
            remove { }
        }
    }
}
