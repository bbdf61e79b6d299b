using System.Runtime.CompilerServices;
using HaWitness.Cluster.Leases;

namespace HaWitness.Failover.Engine;

/// <summary>Looks VMs up in a host's report; each report is indexed once (a host may report thousands of VMs).</summary>
internal static class ReportIndex
{
    private static readonly ConditionalWeakTable<HostReport, Dictionary<string, ReportedVm>> Index = new();

    public static ReportedVm? Find(HostReport report, string vm)
    {
        var index = Index.GetValue(report, static r =>
        {
            var d = new Dictionary<string, ReportedVm>(r.Vms.Count, StringComparer.Ordinal);
            foreach (var v in r.Vms)
            {
                d[v.Name] = v;
            }

            return d;
        });
        return index.GetValueOrDefault(vm);
    }
}
