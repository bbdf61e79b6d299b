using System.CommandLine;

namespace HaWitness.Hosting;

/// <summary>
/// Parses and invokes a command tree. Parse errors print one line per error and a usage line,
/// and exit with <see cref="CliExit.Usage"/>; signals are left to the host (no termination
/// timeout here, so a SIGTERM reaches the generic host's graceful shutdown).
/// </summary>
public static class CliRunner
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync($"usage: {Usage(parse.CommandResult.Command, root)} (see --help)").ConfigureAwait(false);
            return CliExit.Usage;
        }

        var config = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await parse.InvokeAsync(config).ConfigureAwait(false);
    }

    private static string Usage(Command command, RootCommand root)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c == root ? root.Name : c.Name);
        }

        string tail = command.Subcommands.Count > 0 ? " COMMAND [options]" : " [options]";
        return string.Join(' ', names) + tail;
    }
}
