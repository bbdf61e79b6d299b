using HaWitness.Cluster.State;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>Topics of <see cref="JournalOnce"/>: one row per condition and host or VM.</summary>
    private static class Topic
    {
        public const string LeaseWait = "lease";
        public const string Readmit = "readmit";
        public const string NotRestarted = "not-restarted";
        public const string StopWait = "stop";
        public const string Maintenance = "maintenance";
    }

    private readonly Dictionary<string, HostRecovery> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VmRecovery> _vms = new(StringComparer.Ordinal);

    /// <summary>The host's record, made on demand.</summary>
    private HostRecovery HostRecord(string host)
    {
        if (!_hosts.TryGetValue(host, out var r))
        {
            _hosts[host] = r = new HostRecovery();
        }

        return r;
    }

    /// <summary>The VM's record, made on demand.</summary>
    private VmRecovery VmRecord(string vm)
    {
        if (!_vms.TryGetValue(vm, out var r))
        {
            _vms[vm] = r = new VmRecovery();
        }

        return r;
    }

    /// <summary>Leadership changed: what was in flight, awaited or said starts over.</summary>
    private void ForgetRecords()
    {
        foreach (var r in _hosts.Values)
        {
            r.Forget();
        }

        _vms.Clear();
    }

    /// <summary>Drops the records of hosts (removed by the operator) and VMs that are gone from the state, and the empty ones.</summary>
    private void PruneRecords(ClusterView view)
    {
        foreach (var (name, r) in _hosts)
        {
            if (r.IsEmpty || !view.Hosts.TryGetValue(name, out var h) || h.Phase == HostPhase.Removed)
            {
                _hosts.Remove(name);
            }
        }

        foreach (var (name, r) in _vms)
        {
            if (r.IsEmpty || !view.Vms.ContainsKey(name))
            {
                _vms.Remove(name);
            }
        }
    }

    /// <summary>Records in memory (hosts, VMs): for tests that check nothing grows without bound.</summary>
    internal (int Hosts, int Vms) RecordCount => (_hosts.Count, _vms.Count);
}
