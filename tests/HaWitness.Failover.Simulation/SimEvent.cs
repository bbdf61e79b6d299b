namespace HaWitness.Failover.Simulation;

/// <summary>Something that happens to the world at a time (a fault, a repair, an operator's request).</summary>
internal sealed record SimEvent(TimeSpan At, string What, Action<World> Apply);
