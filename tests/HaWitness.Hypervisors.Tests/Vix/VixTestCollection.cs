namespace HaWitness.Hypervisors.Tests.Vix;

/// <summary>The test libvix is one process-wide instance with global counters: its tests run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class VixTestCollection
{
    public const string Name = "test libvix";
}
