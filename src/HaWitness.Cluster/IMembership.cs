using System.Net;

namespace HaWitness.Cluster;

/// <summary>Raft membership changes (leader only, one at a time).</summary>
public interface IMembership
{
    /// <summary>
    /// Adds a voter that must present the certificate with <paramref name="identity"/>; false if it
    /// could not be reached and caught up, or it is this node's own endpoint.
    /// </summary>
    Task<bool> AddMemberAsync(IPEndPoint endPoint, string identity, CancellationToken cancellationToken);

    /// <summary>Removes a voter; true once it is no longer a member. Never removes this node itself (false).</summary>
    Task<bool> RemoveMemberAsync(IPEndPoint endPoint, CancellationToken cancellationToken);

    /// <summary>The admission of <paramref name="endPoint"/> is over (its registration is committed, or it failed).</summary>
    void EndAdmission(IPEndPoint endPoint);

    /// <summary>True if <paramref name="endPoint"/> is in the current Raft configuration.</summary>
    bool IsMember(IPEndPoint endPoint);

    /// <summary>True if <paramref name="endPoint"/> is this node's own Raft endpoint.</summary>
    bool IsOwnEndPoint(IPEndPoint endPoint);
}
