using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.State;
using HaWitness.Core.Status;

namespace HaWitness.Cluster.Quorum;

/// <summary>The status page's view of consensus: leader, term, who is heard, and why there is or is not quorum.</summary>
public sealed class QuorumView : IClusterView
{
    private readonly RaftNode _node;
    private readonly HostLeaseTracker _tracker;
    private readonly LeaderDuties _duties;
    private readonly TimeProvider _time;
    private readonly Func<ClusterView, VmEntry, string> _vmState;

    /// <summary>Creates the view.</summary>
    /// <param name="node">This appliance's Raft member.</param>
    /// <param name="tracker">Heartbeats and leases.</param>
    /// <param name="duties">The leader's duties (which hosts are suspected).</param>
    /// <param name="time">The appliance's clock.</param>
    /// <param name="vmState">
    /// The rule that names a VM's state: the failover engine's (<c>FailoverStatusBuilder.VmState</c>),
    /// so that <c>/api/v1/status</c>, <c>/api/v1/failover</c>, the explainer and the status page all say the same.
    /// </param>
    public QuorumView(RaftNode node, HostLeaseTracker tracker, LeaderDuties duties, TimeProvider time, Func<ClusterView, VmEntry, string> vmState)
    {
        _node = node;
        _tracker = tracker;
        _duties = duties;
        _time = time;
        _vmState = vmState;
    }

    /// <inheritdoc />
    public string? Leader => _node.Leader?.ToString();

    /// <inheritdoc />
    public long Term => _node.Term;

    /// <inheritdoc />
    public QuorumStatus Quorum
    {
        get
        {
            int raftVoters = _node.Members.Count;
            if (!_node.IsLeader)
            {
                return new QuorumStatus(raftVoters, 1, false,
                    _node.Leader is { } l && !Equals(l, _node.LocalEndPoint)
                        ? $"this appliance follows leader {l}"
                        : $"no leader: this appliance cannot reach a majority of the {raftVoters} voters, so there is no failover and no fencing until a majority is back");
            }

            var (voters, heard) = _tracker.Quorum();
            int majority = voters / 2 + 1;
            if (heard >= majority)
            {
                string why = voters == 1 ? "only the witness votes (no hosts yet)" : $"hears {heard} of {voters} voters (majority {majority})";
                return new QuorumStatus(voters, heard, _tracker.HasHeartbeatQuorum, why);
            }

            var silent = _node.View.Hosts.Values
                .Where(h => h.Voter && h.Phase != HostPhase.Removed && _tracker.Silence(h.Name) is { } s && s > TimeSpan.FromSeconds(1))
                .Select(h => $"{h.Name} silent {(long)_tracker.Silence(h.Name)!.Value.TotalSeconds} s");
            return new QuorumStatus(voters, heard, false,
                $"hears {heard} of {voters} voters, a majority is {majority} ({string.Join(", ", silent)}): no failover and no fencing until a majority is back");
        }
    }

    /// <inheritdoc />
    public long? LeaseAgeMs(string host) =>
        _tracker.SinceReport(host) is { } age ? (long)age.TotalMilliseconds : null;

    /// <inheritdoc />
    public IReadOnlyList<HostStatus> Hosts()
    {
        var view = _node.View;
        var owned = view.Vms.Values.Where(v => v.Host is not null).GroupBy(v => v.Host!).ToDictionary(g => g.Key, g => g.Count());
        return [.. view.Hosts.Values.OrderBy(h => h.Name, StringComparer.Ordinal).Select(h => new HostStatus(
            h.Name, HostState(h), LeaseAgeMs(h.Name), h.Fenced, h.Maintenance, h.Generation,
            h.Voter, h.RaftEndpoint, h.InitiatorIqn, h.Hypervisor, h.Cpus, h.MemoryMb, owned.GetValueOrDefault(h.Name),
            _tracker.LastReport(h.Name) is { } r && r.Generation == h.Generation ? r.AppliedIndex : null, h.Spare))];
    }

    /// <inheritdoc />
    public IReadOnlyList<VmStatus> Vms()
    {
        var view = _node.View;
        return [.. view.Vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => new VmStatus(
            v.Name, v.Host, _vmState(view, v), v.Priority.ToString().ToLowerInvariant(), v.Epoch, v.Ha))];
    }

    /// <summary>The state word of a host for the status page.</summary>
    public string HostState(HostEntry h)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.Phase == HostPhase.Removed)
        {
            return "offline";
        }

        if (h.Fenced)
        {
            return "fenced";
        }

        if (h.Probation)
        {
            return "joining"; // admitted, not heard yet: not a voter
        }

        if (h.Phase == HostPhase.Failed)
        {
            return "failed";
        }

        if (h.Maintenance)
        {
            return "maintenance";
        }

        if (_duties.Suspected.Contains(h.Name))
        {
            return "suspect";
        }

        return _node.IsLeader && _tracker.LastHeard(h.Name) is null && _tracker.Silence(h.Name) is { } s && s > TimeSpan.FromSeconds(2)
            ? "offline"
            : "online";
    }
}
