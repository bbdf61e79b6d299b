namespace HaWitness.Fencing.Ssh;

/// <summary>Runs argument vectors on the target host (over SSH in production).</summary>
public interface IRemoteShell : IAsyncDisposable
{
    /// <summary>Where commands run, for messages and evidence (e.g. <c>root@127.0.0.1:22</c>).</summary>
    string Destination { get; }

    /// <summary>
    /// Runs <paramref name="argv"/> and returns its exit code and output whatever the exit code.
    /// </summary>
    /// <exception cref="Targets.TargetException">The command could not be run or timed out (typed).</exception>
    Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken);
}
