using System.CommandLine;
using System.Globalization;
using HaWitness.Core.Fencing;
using HaWitness.Fencing.Targets;
using HaWitness.Hosting;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>hawitness target bench-fence</c> (hidden; used by scripts/bench-fence.sh): grant, wait for
/// the host to log in, fence; repeated over one SSH connection as the appliance keeps it. Prints
/// decision → verified latency of each fence, then median and p95.
/// </summary>
internal static class TargetBenchCommand
{
    public static Command Create()
    {
        var flags = new TargetContext.Flags();
        var initiator = new Option<string>("--initiator") { Description = "Initiator to fence and re-grant", HelpName = "IQN", Required = true };
        var count = new Option<int>("--count") { Description = "How many fences", DefaultValueFactory = _ => 20 };
        var wait = new Option<int>("--wait-session-ms") { Description = "How long to wait for the host to log in again before each fence (0: do not wait)", DefaultValueFactory = _ => 5000 };
        var cold = new Option<bool>("--cold-plan") { Description = "Fence through a new driver each time (same SSH connection): no listing to plan from, so the fence script reads first" };
        var command = new Command("bench-fence", "Measure fence latency (decision to verified) over one SSH connection") { initiator, count, wait, cold };
        command.Hidden = true;
        flags.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            string? iqn = parse.GetValue(initiator);
            int n = parse.GetValue(count);
            if (!TargetContext.CheckInitiator(iqn) || n is < 1 or > 10_000)
            {
                return CliExit.Usage;
            }

            await using var context = TargetContext.Create(parse, flags);
            if (context is null)
            {
                return CliExit.Usage;
            }

            if (!context.OpenJournal())
            {
                return CliExit.Failed;
            }

            var fencer = context.Fencer();
            var request = new FenceRequest("bench", iqn!, "bench-fence");
            var latencies = new List<double>();
            var roundTrips = new List<double>();
            int steps = 0;
            int dropped = 0;
            try
            {
                for (int i = 1; i <= n; i++)
                {
                    var granted = await fencer.UnfenceAsync(request, ct).ConfigureAwait(false);
                    if (!granted.Verified)
                    {
                        Console.Error.WriteLine("hawitness: bench: unfence failed: " + granted.Summary);
                        return CliExit.Failed;
                    }

                    bool live = await WaitForSessionAsync(context.Driver, iqn!, parse.GetValue(wait), ct).ConfigureAwait(false);
                    var fenceWith = parse.GetValue(cold)
                        ? TargetWiring.Fencer(context.Options, TargetDrivers.Create(context.Options.Target, context.Shell), context.Journal!, TimeProvider.System, null)
                        : fencer;
                    var fenced = await fenceWith.FenceAsync(request, ct).ConfigureAwait(false);
                    if (!fenced.Verified)
                    {
                        Console.Error.WriteLine("hawitness: bench: fence failed: " + fenced.Summary);
                        return CliExit.Failed;
                    }

                    double ms = fenced.Evidence["elapsedMs"]!.GetValue<double>();
                    var commands = fenced.Evidence["commands"]!.AsArray();
                    roundTrips.AddRange(commands.Where(c => c!["step"]?.GetValue<bool>() != true).Select(c => c!["ms"]!.GetValue<double>()));
                    steps += commands.Count(c => c!["step"]?.GetValue<bool>() == true);
                    int sessions = fenced.Evidence["sessionsBefore"]!.AsArray().Count;
                    dropped += sessions > 0 ? 1 : 0;
                    latencies.Add(ms);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fence {i}: {ms:F1} ms, live sessions dropped: {sessions}{(live ? string.Empty : " (host did not log in before the fence)")}"));
                }
            }
            catch (TargetException ex)
            {
                return TargetContext.Fail(ex);
            }

            latencies.Sort();
            roundTrips.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SSH invocations: {roundTrips.Count} ({(double)roundTrips.Count / n:F1} per fence), round trip median {Percentile(roundTrips, 0.5):F1} ms, p95 {Percentile(roundTrips, 0.95):F1} ms; " +
                $"commands run inside them on the target: {steps} ({(double)steps / n:F1} per fence)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fence latency{(parse.GetValue(cold) ? " (cold plan)" : string.Empty)}, decision -> verified, over {n} fences ({dropped} with a live session dropped), {context.Shell.Handshakes} SSH handshake(s): " +
                $"median {Percentile(latencies, 0.5):F1} ms, p95 {Percentile(latencies, 0.95):F1} ms, min {latencies[0]:F1} ms, max {latencies[^1]:F1} ms"));
            return CliExit.Ok;
        });
        return command;
    }

    private static async Task<bool> WaitForSessionAsync(ITargetDriver driver, string initiator, int waitMs, CancellationToken ct)
    {
        var until = DateTime.UtcNow.AddMilliseconds(waitMs);
        while (waitMs > 0 && DateTime.UtcNow < until)
        {
            if ((await driver.ListAsync(ct).ConfigureAwait(false)).SessionsOf(initiator).Count > 0)
            {
                return true;
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        return false;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
