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
        root.Subcommands.Add(AdminPasswordCommand.Create());
        root.Subcommands.Add(BackupCommand.Backup());
        root.Subcommands.Add(BackupCommand.Restore());
        // Operator commands: talk to a running appliance's API (README "Operators: status page, API, metrics, CLI", docs/operator.md).
        root.Subcommands.Add(Operator.StatusCommands.Status());
        root.Subcommands.Add(Operator.StatusCommands.Hosts());
        root.Subcommands.Add(Operator.StatusCommands.Vms());
        root.Subcommands.Add(Operator.JournalCommand.Create());
        root.Subcommands.Add(Operator.ActionCommands.Explain());
        root.Subcommands.Add(Operator.ActionCommands.Maintenance());
        root.Subcommands.Add(Operator.ActionCommands.Readmit());
        root.Subcommands.Add(Operator.ActionCommands.Host());
        root.Subcommands.Add(Operator.ActionCommands.Vm());
        return await CliRunner.InvokeAsync(root, args).ConfigureAwait(false);
    }
}
