using HaWitness.Fencing.Ssh;

namespace HaWitness.Fencing.Tests.Targets.Lio;

/// <summary>
/// A hand-written stand-in for the target host where the real one cannot run here (LIO needs
/// kernel modules this machine lacks): answers each argument vector from a function and records
/// every vector it was given.
/// </summary>
internal sealed class ScriptedShell(Func<IReadOnlyList<string>, (int Exit, string StdOut, string StdErr)> answer) : IRemoteShell
{
    public List<string[]> Received { get; } = [];

    public string Destination => "root@lio-host:22";

    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        Received.Add([.. argv]);
        var (exit, stdout, stderr) = answer(argv);
        return Task.FromResult(new CommandResult(ShellQuote.Join(argv), exit, stdout, stderr, TimeSpan.FromMilliseconds(1)));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
