namespace HaWitness.Cluster.State;

/// <summary>A host's committed lifecycle.</summary>
public enum HostPhase
{
    /// <summary>Registered and eligible (unless in maintenance).</summary>
    Active,
    /// <summary>A majority committed that it failed; its VMs are being moved.</summary>
    Failed,
    /// <summary>Removed by an operator; its identity is revoked.</summary>
    Removed,
}
