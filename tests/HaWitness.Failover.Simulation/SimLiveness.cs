using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// The appliance's view of the hosts' heartbeats, with the documented lease arithmetic: act on a
/// silent host only after <c>L·(1+2ρ) + T_off + δ</c> counted from the last heartbeat received —
/// or from the moment this leadership began or the heartbeat quorum was regained, whichever is
/// later: while the appliance had no quorum nobody had a leader, so a silent host may rightly have
/// kept its VMs running; it only starts counting down once a peer it can reach has a leader again.
/// Reset on every appliance restart (reports are "in this leadership").
/// </summary>
internal sealed class SimLiveness(World world, SimTimings timings) : IHostLiveness
{
    private readonly Dictionary<string, HostReport> _reports = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _leaderSince = world.Now;
    private DateTimeOffset _quorumSince = world.Now;
    private bool _quorum = true;

    public bool HasHeartbeatQuorum => _quorum;

    public void Receive(HostReport report) => _reports[report.Host] = report;

    public HostReport? LastReport(string host) => _reports.GetValueOrDefault(host);

    public DateTimeOffset? SafeToActAt(string host)
    {
        if (!_quorum)
        {
            return null;
        }

        var view = world.Log.View;
        int tOff = view.Hosts.TryGetValue(host, out var h) ? h.PowerOffBoundMs : timings.PowerOffBoundMs;
        var reference = _leaderSince > _quorumSince ? _leaderSince : _quorumSince;
        if (_reports.TryGetValue(host, out var r) && r.ReceivedAt > reference)
        {
            reference = r.ReceivedAt;
        }

        return timings.SafeAfter(reference, tOff);
    }

    /// <summary>Re-evaluates the heartbeat quorum: itself plus the voters heard within <see cref="SimTimings.LeaderFresh"/>.</summary>
    public void Step(DateTimeOffset now)
    {
        var voters = World.Voters(world.Log.View);
        int heard = voters.Count(v => _reports.TryGetValue(v, out var r) && now - r.ReceivedAt < timings.LeaderFresh);
        bool quorum = (1 + heard) * 2 > 1 + voters.Count;
        if (quorum && !_quorum)
        {
            _quorumSince = now;
        }

        _quorum = quorum;
    }

    /// <summary>Test hook: the voters a view has (dynamic quorum drops failed, fenced hosts).</summary>
    internal static bool IsVoter(HostEntry h) => h.Phase != HostPhase.Removed && h.Voter && !(h.Phase == HostPhase.Failed && h.Fenced);
}
