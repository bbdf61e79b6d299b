using HaWitness.Failover.Simulation;

namespace HaWitness.Failover.Tests.Randomized;

/// <summary>
/// The seeded randomized simulation (ARCHITECTURE, testing layer 2): 2,000 fault schedules over the
/// real engine, planner and state machine. A failing seed names itself and replays exactly with
/// <c>scripts/simulate.sh --seed N</c>.
/// </summary>
public sealed class SimulationTests
{
    [Fact]
    public void TwoThousandSeeds_KeepSafetyProgressAndDurability()
    {
        var failures = SimulationRun.Run(1, 2000);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10).Select(f => $"seed {f.Seed}: {f.Violation} (replay: scripts/simulate.sh --seed {f.Seed})")));
    }

    [Fact]
    public void ASeed_ReplaysExactly()
    {
        var first = SimulationRun.Describe(SeedRunner.Run(42, trace: true));
        var again = SimulationRun.Describe(SeedRunner.Run(42, trace: true));
        Assert.Equal(first, again);
    }
}
