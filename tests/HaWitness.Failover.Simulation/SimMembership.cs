using System.Net;
using HaWitness.Cluster;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// Raft membership in the simulation (a test double for DotNext's configuration changes): the
/// simulated log commits with the voters the committed state names, so adding or removing a member
/// always succeeds here; the leader's duties then commit the voter change, as in production.
/// </summary>
internal sealed class SimMembership : IMembership
{
    private readonly HashSet<IPEndPoint> _members = [];

    public Task<bool> AddMemberAsync(IPEndPoint endPoint, string identity, CancellationToken cancellationToken)
    {
        _members.Add(endPoint);
        return Task.FromResult(true);
    }

    public Task<bool> RemoveMemberAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        _members.Remove(endPoint);
        return Task.FromResult(true);
    }

    public void EndAdmission(IPEndPoint endPoint)
    {
    }

    public bool IsMember(IPEndPoint endPoint) => _members.Contains(endPoint);

    public bool IsOwnEndPoint(IPEndPoint endPoint) => false;
}
