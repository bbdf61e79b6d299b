using System.CommandLine;
using HaWitness.Cluster.Join;
using HaWitness.Hosting;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>hawitness join-token [--data DIR] [--rotate]</c>: prints (or replaces) the token agents need
/// to join. Works beside a running appliance: it reads the token file on every join request.
/// </summary>
internal static class JoinTokenCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var rotate = new Option<bool>("--rotate") { Description = "Replace the token; joined agents stay members, new joins need the new token" };
        var command = new Command("join-token", "Print the join token agents need (hawitness-agent --join-token)") { data, rotate };
        command.SetAction(parse =>
        {
            string dir = Path.GetFullPath(parse.GetValue(data) ?? "./var/hawitness");
            try
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var token = new JoinToken(dir);
                Console.WriteLine(parse.GetValue(rotate) ? token.Rotate() : token.GetOrCreate());
                return CliExit.Ok;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"hawitness: cannot read or write the join token in {dir}: {ex.Message}");
                return CliExit.Failed;
            }
        });
        return command;
    }
}
