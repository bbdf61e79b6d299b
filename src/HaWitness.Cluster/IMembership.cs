using System.Net;

namespace HaWitness.Cluster;

/// <summary>Raft membership changes (leader only, one at a time).</summary>
public interface IMembership
{
    /// <summary>Adds a voter; false if it could not be reached and caught up.</summary>
    Task<bool> AddMemberAsync(IPEndPoint endPoint, CancellationToken cancellationToken);

    /// <summary>Removes a voter; true once it is no longer a member.</summary>
    Task<bool> RemoveMemberAsync(IPEndPoint endPoint, CancellationToken cancellationToken);
}
