namespace HaWitness.Failover.Simulation;

/// <summary>Runs one seed: the fault phase with its events, the calm phase, then the progress check.</summary>
internal static class SeedRunner
{
    public static SeedResult Run(int seed, bool trace = false)
    {
        var (world, events) = RandomSchedule.Build(seed, trace);
        int next = 0;
        var end = World.Epoch + RandomSchedule.FaultPhase + RandomSchedule.CalmPhase;
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

        world.CheckProgress($"{RandomSchedule.CalmPhase.TotalSeconds:0} s after every fault was repaired");
        return new SeedResult(seed, world.Violation, world, events);
    }
}

internal sealed record SeedResult(int Seed, string? Violation, World World, IReadOnlyList<SimEvent> Events);
