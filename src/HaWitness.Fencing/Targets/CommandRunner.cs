using HaWitness.Fencing.Ssh;

namespace HaWitness.Fencing.Targets;

/// <summary>Runs a driver's commands, records each in the report, and turns bad exits into typed errors.</summary>
internal sealed class CommandRunner
{
    private readonly IRemoteShell _shell;
    private readonly string[] _prefix;

    public CommandRunner(IRemoteShell shell, bool sudo)
    {
        _shell = shell;
        _prefix = sudo ? ["sudo", "-n"] : [];
    }

    public string Destination => _shell.Destination;

    /// <summary>
    /// Runs <paramref name="argv"/>. A non-zero exit throws <see cref="TargetErrorKind.NonZeroExit"/>
    /// unless <paramref name="accept"/> returns a note explaining why that exit is fine.
    /// <paramref name="display"/> replaces the command line in the evidence when it carries bulk
    /// (a file's content).
    /// </summary>
    public async Task<CommandResult> RunAsync(
        IReadOnlyList<string> argv,
        DriverReport? report,
        CancellationToken cancellationToken,
        Func<CommandResult, string?>? accept = null,
        string? display = null)
    {
        var result = await _shell.RunAsync([.. _prefix, .. argv], cancellationToken).ConfigureAwait(false);
        string? note = null;
        if (result.ExitCode != 0)
        {
            note = accept?.Invoke(result);
            if (note is null)
            {
                report?.Add(new CommandRecord(display ?? result.Command, result.ExitCode, result.Elapsed.TotalMilliseconds, result.FirstErrorLine));
                throw TargetException.Of(TargetErrorKind.NonZeroExit,
                    $"{_shell.Destination}: '{result.Command}' exited {result.ExitCode}: {result.FirstErrorLine}");
            }
        }

        report?.Add(new CommandRecord(display ?? result.Command, result.ExitCode, result.Elapsed.TotalMilliseconds, note));
        return result;
    }
}
