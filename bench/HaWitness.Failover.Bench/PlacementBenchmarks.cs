using BenchmarkDotNet.Attributes;
using HaWitness.Cluster.State;
using HaWitness.Failover.Placement;

namespace HaWitness.Failover.Bench;

/// <summary>
/// Placement of 10,000 VMs on 64 hosts (a whole cluster's restart plan in one pass), with and
/// without rules, and the failover of one host's share (about 160 VMs onto the other 63).
/// </summary>
// In-process: the repository's Directory.Build.props (warnings as errors, analyzers) would
// otherwise apply to BenchmarkDotNet's generated boilerplate project too.
[MemoryDiagnoser]
[MedianColumn]
[InProcess]
[WarmupCount(3)]
[IterationCount(15)]
public class PlacementBenchmarks
{
    private PlacementRequest _all = null!;
    private PlacementRequest _rules = null!;
    private PlacementRequest _oneHost = null!;

    [GlobalSetup]
    public void Setup()
    {
        var hosts = Enumerable.Range(0, 64).Select(i => new HostSlot($"h{i:00}", 96, 524_288, 0, 0)).ToList();
        var vms = Enumerable.Range(0, 10_000)
            .Select(i => new VmDemand($"vm{i:00000}", 1 + (i % 2), 1024 + (i % 4 * 256), (VmPriority)(1 + (i % 3)),
                i % 50 == 1 ? [$"vm{i - 1:00000}"] : []))
            .ToList();
        _all = new PlacementRequest { Hosts = hosts, Vms = vms, CpuOvercommit = 4 };
        var rules = Enumerable.Range(0, 100)
            .Select(r => new PlacementRule($"apart{r}", PlacementRuleKind.KeepApart, [.. Enumerable.Range(0, 5).Select(k => $"vm{(r * 100) + k:00000}")], []))
            .Concat(Enumerable.Range(0, 50).Select(r => new PlacementRule($"prefer{r}", PlacementRuleKind.PreferHost, [$"vm{5000 + r:00000}"], [$"h{r % 64:00}"])))
            .ToList();
        _rules = _all with { Rules = rules };

        // One host of a full cluster fails: its ~157 VMs go to the 63 others, which run the rest.
        var loaded = hosts.Select((h, i) => h with { UsedCpus = 230, UsedMemoryMb = 220_000, Ineligible = i == 0 ? "failed" : null }).ToList();
        _oneHost = new PlacementRequest { Hosts = loaded, Vms = vms.Take(157).ToList(), CpuOvercommit = 4 };
    }

    [Benchmark(Baseline = true)]
    public int TenThousandVmsOn64Hosts() => PlacementPlanner.Plan(_all).Placed.Count;

    [Benchmark]
    public int TenThousandVmsOn64Hosts_WithRules() => PlacementPlanner.Plan(_rules).Placed.Count;

    [Benchmark]
    public int OneHostOf64Fails_157Vms() => PlacementPlanner.Plan(_oneHost).Placed.Count;
}
