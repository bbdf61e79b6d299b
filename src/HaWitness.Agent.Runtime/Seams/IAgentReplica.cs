using HaWitness.Cluster.Raft;
using HaWitness.Cluster.State;

namespace HaWitness.Agent.Runtime.Seams;

/// <summary>
/// The committed state as this agent has applied it: its standby Raft member in production
/// (<see cref="RaftReplica"/>), a replica the simulation feeds from its log in the seeded runs.
/// The agent's loops read the cluster only through this.
/// </summary>
public interface IAgentReplica
{
    /// <summary>The applied view.</summary>
    ClusterView View { get; }

    /// <summary>The index of the last applied entry.</summary>
    long AppliedIndex { get; }

    /// <summary>Raised after every applied entry.</summary>
    event Action? Applied;
}

/// <summary>The agent's standby Raft member as its replica.</summary>
public sealed class RaftReplica : IAgentReplica
{
    private readonly RaftNode _node;

    /// <summary>Wraps the member.</summary>
    public RaftReplica(RaftNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        _node = node;
        node.State.Applied += (_, _, _) => Applied?.Invoke();
    }

    /// <inheritdoc />
    public ClusterView View => _node.View;

    /// <inheritdoc />
    public long AppliedIndex => _node.AppliedIndex;

    /// <inheritdoc />
    public event Action? Applied;
}
