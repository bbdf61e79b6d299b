namespace HaWitness.Failover.Simulation;

/// <summary>The families of seeds: every kind of fault, or only appliance crashes and restarts.</summary>
internal enum SeedFamily
{
    /// <summary><see cref="RandomSchedule.Build"/>: host crashes, partitions, appliance crashes, failing fences and starts, maintenance.</summary>
    Mixed,

    /// <summary><see cref="RandomSchedule.BuildApplianceRestarts"/>: only the appliance crashes and restarts; nobody may be fenced.</summary>
    ApplianceRestarts,
}

/// <summary>Runs one seed: the fault phase with its events, the calm phase, then the progress check.</summary>
internal static class SeedRunner
{
    public static SeedResult Run(int seed, bool trace = false, SeedFamily family = SeedFamily.Mixed)
    {
        var (world, events) = family == SeedFamily.ApplianceRestarts
            ? RandomSchedule.BuildApplianceRestarts(seed, trace)
            : RandomSchedule.Build(seed, trace);
        var calm = family == SeedFamily.ApplianceRestarts ? RandomSchedule.RestartsCalmPhase : RandomSchedule.CalmPhase;
        int next = 0;
        var end = World.Epoch + RandomSchedule.FaultPhase + calm;
        while (world.Now < end && world.Violation is null)
        {
            var elapsed = world.Now - World.Epoch;
            while (next < events.Count && events[next].At <= elapsed)
            {
                world.Trace("EVENT " + events[next].What);
                events[next].Apply(world);
                next++;
            }

            world.Step();
        }

        world.CheckProgress($"{calm.TotalSeconds:0} s after every fault was repaired");
        return new SeedResult(seed, world.Violation, world, events);
    }
}

internal sealed record SeedResult(int Seed, string? Violation, World World, IReadOnlyList<SimEvent> Events);
