using HaWitness.Core.Status;

namespace HaWitness.Failover.Status;

/// <summary>
/// The failover part of the status page: every VM with its state (<c>running</c>, <c>stopped</c>,
/// <c>starting</c>, <c>failed</c>, <c>unplaced</c>), the hosts' committed phase, whether failovers
/// are storage-fenced or lease-only, whether the appliance may act, and how many host failures the
/// cluster can absorb.
/// </summary>
/// <param name="StorageFence"><c>verified</c>, or a plain sentence saying failover relies on the lease alone.</param>
/// <param name="CanAct">Whether the appliance has its heartbeat quorum (it decides nothing without it).</param>
/// <param name="Reason">Why it can or cannot act, for people.</param>
/// <param name="CanTolerateHostFailures">The largest k such that the VMs still fit after any k hosts fail (aggregate check).</param>
/// <param name="ReserveHostFailures">Admission control's reserve (0 = off).</param>
/// <param name="Hosts">Hosts as committed.</param>
/// <param name="Vms">VMs: <c>{ name, host, state, priority, epoch, ha }</c>.</param>
public sealed record FailoverStatus(
    string StorageFence,
    bool CanAct,
    string Reason,
    int CanTolerateHostFailures,
    int ReserveHostFailures,
    IReadOnlyList<FailoverHostStatus> Hosts,
    IReadOnlyList<VmStatus> Vms);

/// <summary>A host as the failover engine sees it.</summary>
/// <param name="Name">Host name.</param>
/// <param name="State"><c>online</c>, <c>silent</c>, <c>failed</c>, <c>fenced</c>, <c>maintenance</c>.</param>
/// <param name="Generation">The registered generation.</param>
/// <param name="Vms">VMs it owns.</param>
/// <param name="FreeCpus">CPUs not taken by the VMs it owns.</param>
/// <param name="FreeMemoryMb">Memory not taken by the VMs it owns.</param>
/// <param name="Spare">A contingency host: failover restarts go there first, planned placement never does.</param>
public sealed record FailoverHostStatus(string Name, string State, string Generation, int Vms, int FreeCpus, long FreeMemoryMb, bool Spare = false);
