using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Status;
using HaWitness.Failover.Placement;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Status;

/// <summary>Builds <see cref="FailoverStatus"/> from the committed state and the hosts' reports.</summary>
internal static class FailoverStatusBuilder
{
    public const string LeaseOnlyText =
        "LEASE ONLY: no storage target is configured, so a failed host is not cut off its disks; failover relies on the host's lease and self-fence alone";

    public static FailoverStatus Build(ClusterView view, IHostLiveness liveness, bool fenceConfigured, FailoverOptions options, TimeSpan silentAfter)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(liveness);
        ArgumentNullException.ThrowIfNull(options);
        var slots = PlacementInput.Hosts(view);
        var hosts = new List<FailoverHostStatus>(slots.Count);
        foreach (var slot in slots)
        {
            var h = view.Hosts[slot.Name];
            var report = liveness.LastReport(h.Name);
            string state = h.Phase == HostPhase.Failed ? (h.Fenced ? "fenced" : "failed")
                : h.Maintenance ? "maintenance"
                : report is null || liveness.SinceReport(h.Name) is not { } age || age > silentAfter ? "silent"
                : "online";
            hosts.Add(new FailoverHostStatus(h.Name, state, h.Generation, view.VmsOn(h.Name).Count(),
                h.Cpus - slot.UsedCpus, h.MemoryMb - slot.UsedMemoryMb, h.Spare));
        }

        var vms = view.Vms.Values
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .Select(v => new VmStatus(v.Name, v.Host, VmState(view, liveness, v), v.Priority.ToString().ToLowerInvariant(), v.Epoch, v.Ha))
            .ToList();
        bool canAct = liveness.HasHeartbeatQuorum;
        return new FailoverStatus(
            fenceConfigured ? "verified" : LeaseOnlyText,
            canAct,
            canAct ? "the appliance hears a majority of voters: it decides failovers"
                : "no heartbeat quorum: the appliance hears fewer than a majority of voters, so it fences nobody and restarts nothing (if the hosts cannot reach it either, they keep their VMs running)",
            FailureTolerance.Compute(slots, options.CpuOvercommit),
            options.ReserveHostFailures,
            hosts,
            vms);
    }

    /// <summary><c>running</c>, <c>stopped</c>, <c>starting</c>, <c>failed</c> or <c>unplaced</c>.</summary>
    public static string VmState(ClusterView view, IHostLiveness liveness, VmEntry vm)
    {
        if (vm.Host is null)
        {
            return "unplaced";
        }

        if (!view.Hosts.TryGetValue(vm.Host, out var h) || h.Phase != HostPhase.Active)
        {
            return "failed";
        }

        if (!vm.Run)
        {
            return vm.Moving ? "starting" : "stopped";
        }

        var report = liveness.LastReport(vm.Host);
        var rv = report is null || report.AppliedIndex < vm.Epoch ? null : Engine.ReportIndex.Find(report, vm.Name);
        return rv is null ? "starting"
            : rv.Running && rv.Epoch == vm.Epoch ? "running"
            : rv.Error is not null && rv.Epoch == vm.Epoch ? "failed"
            : "starting";
    }
}
