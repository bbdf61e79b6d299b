using System.CommandLine;
using HaWitness.Hosting;

namespace HaWitness.Appliance.Cli;

/// <summary>The <c>hawitness</c> command line: <c>serve</c> runs the appliance; the rest are operator tools.</summary>
internal static class ApplianceCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("HaWitness appliance: the witness, fencer and failover brain that runs on the iSCSI storage server.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(DbCommand.Create());
        root.Subcommands.Add(JoinTokenCommand.Create());
        root.Subcommands.Add(TargetCommand.Create());
        return await CliRunner.InvokeAsync(root, args).ConfigureAwait(false);
    }
}
