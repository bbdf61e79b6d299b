using HaWitness.Failover.Simulation;

namespace HaWitness.Failover.Tests.Randomized;

/// <summary>
/// The seeded randomized simulation (ARCHITECTURE, testing layer 2): 2,000 fault schedules over the
/// real engine, planner and state machine. A failing seed names itself and replays exactly with
/// <c>scripts/simulate.sh --seed N</c>.
/// </summary>
public sealed class SimulationTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public SimulationTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    [Fact]
    public void TwoThousandSeeds_KeepSafetyProgressAndDurability()
    {
        var failures = SimulationRun.Run(1, 2000);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10).Select(f => $"seed {f.Seed}: {f.Violation} (replay: scripts/simulate.sh --seed {f.Seed})")));
    }

    /// <summary>
    /// Issue 12, part 5: seeds whose only faults are appliance crashes and restarts at random
    /// moments (hosts healthy, links up, each agent at its own heartbeat and probe phase): no host
    /// fences itself and no <c>HostFailed</c> is committed, and the usual checks hold.
    /// </summary>
    [Fact]
    public void ApplianceRestartSeeds_FenceNobody()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var failures = SimulationRun.Run(1, 500, family: SeedFamily.ApplianceRestarts);
        _out.WriteLine($"500 appliance-restart seeds in {sw.Elapsed.TotalSeconds:0.0} s ({500 / sw.Elapsed.TotalSeconds:0} seeds/s), {failures.Count} violations");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10).Select(f => $"seed {f.Seed}: {f.Violation} (replay: scripts/simulate.sh --family restarts --seed {f.Seed})")));
    }

    [Fact]
    public void ASeed_ReplaysExactly()
    {
        var first = SimulationRun.Describe(SeedRunner.Run(42, trace: true));
        var again = SimulationRun.Describe(SeedRunner.Run(42, trace: true));
        Assert.Equal(first, again);
    }
}
