namespace HaWitness.Core.Journal;

/// <summary>Stable names of decision kinds; operators' scripts filter on them.</summary>
public static class DecisionKinds
{
    /// <summary>The appliance started and opened its journal.</summary>
    public const string ApplianceStarted = "ApplianceStarted";
    /// <summary>A host missed heartbeats; not yet acted on.</summary>
    public const string HostSuspected = "HostSuspected";
    /// <summary>A majority committed that a host failed.</summary>
    public const string HostFailed = "HostFailed";
    /// <summary>A host was cut off the storage (or the attempt failed).</summary>
    public const string FenceHost = "FenceHost";
    /// <summary>A host's storage access was granted again.</summary>
    public const string UnfenceHost = "UnfenceHost";
    /// <summary>An initiator was granted access to a target.</summary>
    public const string GrantInitiator = "GrantInitiator";
    /// <summary>A VM was assigned to a host (new ownership epoch).</summary>
    public const string PlaceVm = "PlaceVm";
    /// <summary>A VM start was requested or confirmed.</summary>
    public const string StartVm = "StartVm";
    /// <summary>A VM could not be restarted (no capacity, rules, retries exhausted).</summary>
    public const string VmNotRestarted = "VmNotRestarted";
    /// <summary>An agent asked to join the cluster.</summary>
    public const string AgentJoin = "AgentJoin";
    /// <summary>A maintenance mode change for a host.</summary>
    public const string Maintenance = "Maintenance";
    /// <summary>An alarm was delivered (or its delivery failed).</summary>
    public const string AlarmDelivery = "AlarmDelivery";
    /// <summary>A damaged journal was moved aside and this one started in its place (<c>hawitness db rebuild</c>).</summary>
    public const string JournalRebuilt = "JournalRebuilt";
}
