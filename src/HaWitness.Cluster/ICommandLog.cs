using HaWitness.Cluster.State;

namespace HaWitness.Cluster;

/// <summary>
/// The replicated log as the leader-side logic (join handling, failure detection, the failover
/// engine) sees it: read the committed state, propose a command and wait until a majority
/// committed it and it was applied locally.
/// </summary>
public interface ICommandLog
{
    /// <summary>The committed state as applied on this node.</summary>
    ClusterView View { get; }

    /// <summary>
    /// Replicates <paramref name="command"/>; returns once it is committed and applied here, with
    /// its log index and whether the state machine applied or rejected it.
    /// </summary>
    /// <exception cref="NotLeaderException">This node is not (or stopped being) the leader.</exception>
    Task<Commit> ProposeAsync(ClusterCommand command, CancellationToken cancellationToken);
}

/// <summary>A committed command: its log index and what applying it did.</summary>
public readonly record struct Commit(long Index, ApplyResult Result);

/// <summary>The node is not the leader; nothing was proposed.</summary>
public sealed class NotLeaderException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NotLeaderException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public NotLeaderException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NotLeaderException()
    {
    }
}
