using HaWitness.Appliance.Cli;
using HaWitness.Hosting;

try
{
    return await ApplianceCli.RunAsync(args).ConfigureAwait(false);
}
catch (Exception ex)
{
    // Last resort: one line for the operator, the details for whoever reads the logs.
    await Console.Error.WriteLineAsync($"hawitness: fatal: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
    await Console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
    return CliExit.Failed;
}
