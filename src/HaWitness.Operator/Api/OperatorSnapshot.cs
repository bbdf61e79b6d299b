using HaWitness.Core.Journal;
using HaWitness.Core.Status;
using HaWitness.Failover.Status;

namespace HaWitness.Operator.Api;

/// <summary>
/// Everything the status page shows, read once per request: the status report (the same as
/// <c>GET /api/v1/status</c>), the failover view (storage-fence mode, "can tolerate k host
/// failures", free capacity), the latest decisions and the alarms active now.
/// </summary>
internal sealed record OperatorSnapshot(
    StatusReport Status,
    FailoverStatus Failover,
    IReadOnlyList<DecisionRecord> Latest,
    IReadOnlyList<ActiveAlarm> Alarms)
{
    /// <summary>Hosts with their spare capacity and VM names.</summary>
    public IReadOnlyList<HostView> Hosts()
    {
        var free = Failover.Hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
        var vms = Status.Vms.Where(v => v.Host is not null).GroupBy(v => v.Host!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(v => v.Name)], StringComparer.Ordinal);
        return [.. Status.Hosts.Select(h => View(h, free.GetValueOrDefault(h.Name), vms.GetValueOrDefault(h.Name) ?? []))];
    }

    /// <summary>One host, or null when unknown.</summary>
    public HostView? Host(string name)
    {
        var h = Status.Hosts.FirstOrDefault(x => x.Name == name);
        return h is null ? null : View(h, Failover.Hosts.FirstOrDefault(x => x.Name == name),
            [.. Status.Vms.Where(v => v.Host == name).Select(v => v.Name)]);
    }

    /// <summary>One VM, or null when unknown.</summary>
    public VmStatus? Vm(string name) => Status.Vms.FirstOrDefault(v => v.Name == name);

    private static HostView View(HostStatus h, FailoverHostStatus? f, IReadOnlyList<string> vms) => new(
        h.Name, h.State, h.LeaseAgeMs, h.Fenced, h.Maintenance, h.Spare, h.Generation, h.Voter, h.Hypervisor, h.InitiatorIqn,
        h.Cpus, h.MemoryMb, f?.FreeCpus ?? h.Cpus, f?.FreeMemoryMb ?? h.MemoryMb, vms);
}
