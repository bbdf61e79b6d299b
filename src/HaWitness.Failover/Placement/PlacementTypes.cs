using HaWitness.Cluster.State;

namespace HaWitness.Failover.Placement;

/// <summary>Why a plan is made: failover restarts use every free resource; planned moves keep the admission reserve.</summary>
internal enum PlacementPurpose
{
    /// <summary>Restarting the VMs of a failed host: all capacity may be used, spares first.</summary>
    Failover,
    /// <summary>Maintenance, migration, placing an unplaced VM: admission control applies; spares take nothing.</summary>
    Planned,
}

/// <summary>A host as the planner sees it.</summary>
/// <param name="Name">Host name.</param>
/// <param name="Cpus">Capacity in logical CPUs.</param>
/// <param name="MemoryMb">Capacity in MiB.</param>
/// <param name="UsedCpus">CPUs of the VMs it already runs or will run.</param>
/// <param name="UsedMemoryMb">Memory of the VMs it already runs or will run.</param>
/// <param name="Ineligible">Why it takes no VM (failed, fenced, maintenance), or null when it may.</param>
/// <param name="Spare">A contingency host: chosen first by failover restarts, never by planned placement;
/// its capacity counts for admission control and failure tolerance like any eligible host's.</param>
internal sealed record HostSlot(string Name, int Cpus, long MemoryMb, int UsedCpus, long UsedMemoryMb, string? Ineligible = null, bool Spare = false);

/// <summary>A VM to place.</summary>
/// <param name="Name">VM name.</param>
/// <param name="Cpus">CPUs it needs.</param>
/// <param name="MemoryMb">Memory it needs.</param>
/// <param name="Priority">Restart priority.</param>
/// <param name="DependsOn">VMs that must run before it starts.</param>
/// <param name="AvoidHosts">Hosts it must not go to (its failed start there, its source in maintenance).</param>
/// <param name="RequiredHost">The one host it must go to (an operator's migrate), or null.</param>
internal sealed record VmDemand(
    string Name,
    int Cpus,
    long MemoryMb,
    VmPriority Priority,
    IReadOnlyList<string> DependsOn,
    IReadOnlyCollection<string>? AvoidHosts = null,
    string? RequiredHost = null);

/// <summary>Everything one planning pass needs; the planner reads nothing else.</summary>
internal sealed record PlacementRequest
{
    /// <summary>All hosts, eligible or not (ineligible ones still matter for rules).</summary>
    public required IReadOnlyList<HostSlot> Hosts { get; init; }

    /// <summary>The VMs to place.</summary>
    public required IReadOnlyList<VmDemand> Vms { get; init; }

    /// <summary>Where the VMs that are not being placed are (for keep-apart / keep-together).</summary>
    public IReadOnlyDictionary<string, string> Placed { get; init; } = new Dictionary<string, string>();

    /// <summary>VMs that run now (confirmed): a dependency on them is met.</summary>
    public IReadOnlySet<string> Running { get; init; } = new HashSet<string>();

    /// <summary>VMs that are wanted running but not running yet (outside this plan): dependents wait for them.</summary>
    public IReadOnlySet<string> Pending { get; init; } = new HashSet<string>();

    /// <summary>Placement rules.</summary>
    public IReadOnlyList<PlacementRule> Rules { get; init; } = [];

    /// <summary>Failover or planned.</summary>
    public PlacementPurpose Purpose { get; init; } = PlacementPurpose.Failover;

    /// <summary>Admission control: host failures the cluster must still cover after a planned placement (0 = off).</summary>
    public int ReserveHostFailures { get; init; }

    /// <summary>vCPUs per logical CPU a host may carry (1 = no overcommit).</summary>
    public double CpuOvercommit { get; init; } = 1.0;
}

/// <summary>A VM the plan puts on a host.</summary>
/// <param name="Vm">VM name.</param>
/// <param name="Host">Target host.</param>
/// <param name="WaitFor">Dependencies not running yet: assign it stopped, start it once they run.</param>
/// <param name="Why">How the host was chosen, for the journal.</param>
internal sealed record PlannedVm(string Vm, string Host, IReadOnlyList<string> WaitFor, string Why);

/// <summary>A VM the plan could not place.</summary>
/// <param name="Vm">VM name.</param>
/// <param name="Reason">Why, starting with "not restarted: " for people and scripts.</param>
internal sealed record UnplacedVm(string Vm, string Reason);

/// <summary>The planner's answer, in restart order.</summary>
internal sealed record PlacementPlan(IReadOnlyList<PlannedVm> Placed, IReadOnlyList<UnplacedVm> NotPlaced);
