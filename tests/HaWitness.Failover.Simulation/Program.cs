using System.Diagnostics;
using System.Globalization;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// <c>simulate --seeds N [--seed S] [--trace]</c>: runs N seeds (S, S+1, ...) of the randomized
/// failover simulation on all cores and prints <c>N seeds, V violations</c>; every failing seed
/// prints its number, its violation and how to replay it. <c>--seed S</c> alone replays one seed
/// with its trace. <c>--family restarts</c> runs the appliance-restart family instead (only the
/// appliance crashes and restarts; no host may fence itself, no <c>HostFailed</c> may be committed).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        int seeds = 1;
        int first = 1;
        bool seedGiven = false;
        bool seedsGiven = false;
        bool trace = false;
        bool stats = false;
        var family = SeedFamily.Mixed;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seeds" when i + 1 < args.Length:
                    seeds = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    seedsGiven = true;
                    break;
                case "--seed" when i + 1 < args.Length:
                    first = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    seedGiven = true;
                    break;
                case "--trace":
                    trace = true;
                    break;
                case "--scenario" when i + 1 < args.Length:
                    Console.Write(Scenario.Run(args[++i]));
                    return 0;
                case "--timeline":
                    Console.Write(Timeline.Run(20, new HaWitness.Core.Configuration.LeaseOptions(), 3000, fence: true));
                    Console.Write(Timeline.Run(20, new HaWitness.Core.Configuration.LeaseOptions(), 3000, fence: false));
                    Console.Write(Timeline.Run(20, new HaWitness.Core.Configuration.LeaseOptions { LeaseMs = 3000 }, 1000, fence: true));
                    return 0;
                case "--family" when i + 1 < args.Length:
                    switch (args[++i])
                    {
                        case "mixed":
                            family = SeedFamily.Mixed;
                            break;
                        case "restarts":
                            family = SeedFamily.ApplianceRestarts;
                            break;
                        default:
                            Console.Error.WriteLine("simulate: --family is mixed or restarts");
                            return 2;
                    }

                    break;
                case "--stats":
                    stats = true;
                    break;
                default:
                    Console.Error.WriteLine("usage: simulate [--family mixed|restarts] --seeds N [--seed S] [--trace] [--stats] | --scenario DIR | --timeline");
                    return 2;
            }
        }

        trace |= seedGiven && !seedsGiven;
        var sw = Stopwatch.StartNew();
        var counts = stats ? new System.Collections.Concurrent.ConcurrentDictionary<string, int>() : null;
        var failures = SimulationRun.Run(first, seeds, trace && seeds == 1, counts, family);
        sw.Stop();
        foreach (var f in failures)
        {
            Console.WriteLine($"seed {f.Seed}: {f.Violation}");
            Console.WriteLine($"  replay: scripts/simulate.sh {(family == SeedFamily.ApplianceRestarts ? "--family restarts " : string.Empty)}--seed {f.Seed}");
        }

        if (trace && seeds == 1)
        {
            var r = SeedRunner.Run(first, trace: true, family);
            Console.WriteLine(SimulationRun.Describe(r));
        }

        foreach (var (key, n) in (counts ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {key}: {n}");
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulate: {seeds} seeds in {sw.Elapsed.TotalSeconds:0.0} s ({seeds / Math.Max(sw.Elapsed.TotalSeconds, 1e-9):0} seeds/s)"));
        Console.WriteLine($"{seeds} seeds, {failures.Count} violations");
        return failures.Count == 0 ? 0 : 1;
    }
}
