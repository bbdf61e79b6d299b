using HaWitness.Fencing.Ssh;
using HaWitness.TestSupport;

namespace HaWitness.Fencing.Tests.Targets.Lio;

/// <summary>Runs argument vectors on this machine, without SSH (for the configfs scripts on a directory tree).</summary>
internal sealed class LocalShell : IRemoteShell
{
    public List<string[]> Received { get; } = [];

    public string Destination => "local";

    public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        Received.Add([.. argv]);
        var (code, stdout, stderr) = await ProcessRunner.RunAsync(argv[0], argv.Skip(1));
        return new CommandResult(ShellQuote.Join(argv), code, stdout, stderr, TimeSpan.Zero);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
