namespace HaWitness.Failover.Journal;

/// <summary>
/// Decision kinds the failover engine writes beyond <see cref="HaWitness.Core.Journal.DecisionKinds"/>;
/// stable names, operators' scripts filter on them.
/// </summary>
internal static class FailoverKinds
{
    /// <summary>The appliance lost (or regained) its heartbeat quorum: it decides nothing while lost.</summary>
    public const string Quorum = "Quorum";
    /// <summary>A failed host's lease has not surely expired yet: placement waits.</summary>
    public const string WaitLease = "WaitLease";
    /// <summary>A fenced host was admitted again (rule 4) or refused.</summary>
    public const string ReadmitHost = "ReadmitHost";
    /// <summary>A VM is stopped on its owner to move (maintenance, migrate, retry elsewhere).</summary>
    public const string StopVm = "StopVm";
    /// <summary>An operator's migrate request.</summary>
    public const string MigrateVm = "MigrateVm";
    /// <summary>An operator turned HA on or off for a VM.</summary>
    public const string SetVmHa = "SetVmHa";
    /// <summary>An operator changed a VM's restart priority.</summary>
    public const string SetVmPriority = "SetVmPriority";
    /// <summary>An operator made a host a spare (contingency host) or a normal host again.</summary>
    public const string SetSpare = "SetSpare";
    /// <summary>Placement rules changed.</summary>
    public const string PlacementRule = "PlacementRule";
}
