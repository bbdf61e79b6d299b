using HaWitness.Core.Status;
using HaWitness.Failover.Status;
using HaWitness.Operator.Api;

namespace HaWitness.Operator.Alarms;

/// <summary>
/// The alarms that are active now, derived from the state rather than from delivered alarm
/// events: an alarm is shown while its condition holds and disappears when it no longer does
/// (a failed host stays red until it is re-admitted, a VM until it runs again). Critical first.
/// </summary>
internal static class ActiveAlarms
{
    public static IReadOnlyList<ActiveAlarm> Compute(StatusReport status, FailoverStatus failover)
    {
        var alarms = new List<ActiveAlarm>();
        if (!status.Quorum.HasQuorum)
        {
            alarms.Add(new("QuorumLost", "critical", "cluster", "No quorum: " + status.Quorum.Reason));
        }
        else if (!failover.CanAct)
        {
            alarms.Add(new("QuorumLost", "critical", "cluster", failover.Reason));
        }

        foreach (var h in status.Hosts)
        {
            switch (h.State)
            {
                case "failed":
                    alarms.Add(new("FencePending", "critical", "host:" + h.Name,
                        $"Host {h.Name} failed and is not fenced yet: its VMs wait until it is cut off the storage and its lease has expired"));
                    break;
                case "fenced":
                    alarms.Add(new("HostFailed", "critical", "host:" + h.Name,
                        $"Host {h.Name} failed and is fenced; it stays out until its agent returns with a new generation (or an operator re-admits it)"));
                    break;
                case "suspect":
                    alarms.Add(new("HostSilent", "warning", "host:" + h.Name,
                        $"Host {h.Name} missed heartbeats (last heard {Age(h.LeaseAgeMs)} ago)"));
                    break;
                case "offline":
                    alarms.Add(new("HostSilent", "warning", "host:" + h.Name, $"Host {h.Name} has not been heard since this appliance started leading"));
                    break;
            }
        }

        foreach (var v in status.Vms.Where(v => v.State is "failed" or "unplaced"))
        {
            alarms.Add(new("VmNotRunning", v.Ha ? "critical" : "warning", "vm:" + v.Name,
                v.State == "unplaced"
                    ? $"VM {v.Name} has no host{(v.Ha ? " (HA: it is placed as soon as there is room)" : string.Empty)}"
                    : $"VM {v.Name} is failed on {v.Host}"));
        }

        if (failover.StorageFence != "verified")
        {
            alarms.Add(new("LeaseOnly", "warning", "cluster", failover.StorageFence));
        }

        int active = status.Hosts.Count(h => h.State is "online" or "suspect" or "maintenance");
        if (active > 0 && status.Vms.Any(v => v.Ha) && failover.CanTolerateHostFailures == 0)
        {
            alarms.Add(new("NoFailureTolerance", "warning", "cluster",
                "The cluster cannot tolerate a host failure: the VMs would not all fit on the remaining hosts"));
        }

        return [.. alarms.OrderBy(a => a.Severity == "critical" ? 0 : 1)];
    }

    public static string Age(long? ms) => ms switch
    {
        null => "never",
        < 1000 => $"{ms} ms",
        < 120_000 => $"{ms / 1000.0:0.0} s",
        < 7_200_000 => $"{ms / 60_000} min",
        _ => $"{ms / 3_600_000} h",
    };
}
