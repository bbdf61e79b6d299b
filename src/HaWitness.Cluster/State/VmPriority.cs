namespace HaWitness.Cluster.State;

/// <summary>Restart priority: higher starts first when capacity is short; disabled is never restarted.</summary>
public enum VmPriority
{
    /// <summary>Never restarted automatically.</summary>
    Disabled = 0,
    /// <summary>Restarted last.</summary>
    Low = 1,
    /// <summary>The default.</summary>
    Medium = 2,
    /// <summary>Restarted first.</summary>
    High = 3,
}
