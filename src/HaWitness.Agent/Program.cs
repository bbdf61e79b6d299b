using HaWitness.Agent.Cli;
using HaWitness.Hosting;

try
{
    return await AgentCli.RunAsync(args).ConfigureAwait(false);
}
catch (Exception ex)
{
    await Console.Error.WriteLineAsync($"hawitness-agent: fatal: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
    await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
    return CliExit.Failed;
}
