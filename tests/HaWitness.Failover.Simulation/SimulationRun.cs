using System.Collections.Concurrent;
using System.Text;

namespace HaWitness.Failover.Simulation;

/// <summary>Runs many seeds in parallel (each seed is independent and deterministic).</summary>
internal static class SimulationRun
{
    public static List<SeedResult> Run(int first, int count, bool trace = false, ConcurrentDictionary<string, int>? stats = null, SeedFamily family = SeedFamily.Mixed)
    {
        var failures = new ConcurrentBag<SeedResult>();
        Parallel.For(first, first + count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, seed =>
        {
            var r = SeedRunner.Run(seed, trace, family);
            if (stats is not null)
            {
                Count(r, stats);
            }
            if (r.Violation is not null)
            {
                failures.Add(r);
            }
        });
        return [.. failures.OrderBy(f => f.Seed)];
    }

    /// <summary>Seeds in which each kind of decision happened at least once (coverage of the schedule).</summary>
    private static void Count(SeedResult r, ConcurrentDictionary<string, int> stats)
    {
        var kinds = r.World.Journal.All.Select(d => $"{d.Kind}/{d.Outcome}").ToHashSet(StringComparer.Ordinal);
        if (!r.World.Target.IsConfigured)
        {
            kinds.Add("(lease-only seed)");
        }

        foreach (var k in kinds)
        {
            stats.AddOrUpdate("seeds with " + k, 1, (_, n) => n + 1);
        }
    }

    /// <summary>A seed's layout, schedule, trace and journal, for people replaying it.</summary>
    public static string Describe(SeedResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"seed {r.Seed}: {r.Violation ?? "no violation"}");
        sb.AppendLine($"target: {(r.World.Target.IsConfigured ? "configured" : "none (lease only)")}");
        foreach (var a in r.World.Agents)
        {
            sb.AppendLine($"host {a.Name}: {a.Cpus} CPU, {a.MemoryMb} MiB, T_off {a.PowerOffBoundMs} ms");
        }

        foreach (var vm in r.World.Log.View.Vms.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            sb.AppendLine($"vm {vm.Name}: on {vm.Host ?? "-"} epoch {vm.Epoch} run {vm.Run} ha {vm.Ha} {vm.Priority} {vm.Cpus} CPU {vm.MemoryMb} MiB deps [{string.Join(",", vm.DependsOn)}]");
        }

        sb.AppendLine("events:");
        foreach (var e in r.Events)
        {
            sb.AppendLine($"  at {e.At.TotalSeconds:0.0}s {e.What}");
        }

        sb.AppendLine("trace:");
        foreach (var line in r.World.TraceLines)
        {
            sb.AppendLine("  " + line);
        }

        sb.AppendLine("journal:");
        foreach (var d in r.World.Journal.All)
        {
            sb.AppendLine("  " + ScenarioFormat.Line(d));
        }

        return sb.ToString();
    }
}
