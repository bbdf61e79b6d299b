using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Core.Journal;
using HaWitness.Core.Status;
using HaWitness.Failover.Status;
using HaWitness.Operator.Alarms;
using HaWitness.Operator.Api;

namespace HaWitness.Operator.Bench;

/// <summary>
/// An <see cref="OperatorSnapshot"/> of a cluster in the middle of a bad day, as the status page
/// would get it: most hosts online, two suspect, one failed and not yet fenced (its VMs failed),
/// one fenced (its VMs moved, a few left without room), two in maintenance (emptied), some VMs
/// starting or stopped, HA off for a few, the alarms that state raises and the 20 latest decisions.
/// </summary>
internal static class SyntheticCluster
{
    private const int CpusPerHost = 64;
    private const long MemoryPerHostMb = 512 * 1024;
    private const int CpusPerVm = 2;
    private const long MemoryPerVmMb = 4096;

    public static OperatorSnapshot Build(int hostCount, int vmCount)
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var states = Enumerable.Range(0, hostCount).Select(i => HostState(i, hostCount)).ToArray();
        string Name(int i) => "esx" + (i + 1).ToString("D2", CultureInfo.InvariantCulture);

        // VMs are spread over the hosts that may own VMs (not in maintenance); the fenced host's were moved on.
        var owners = Enumerable.Range(0, hostCount).Where(i => states[i] is not ("maintenance" or "fenced")).ToArray();
        var vms = new List<VmStatus>(vmCount);
        for (int v = 0; v < vmCount; v++)
        {
            string name = "vm-" + (v + 1).ToString("D4", CultureInfo.InvariantCulture);
            string priority = (v % 4) switch { 0 => "high", 1 or 2 => "medium", _ => "low" };
            bool ha = v % 50 != 7;
            int host = owners[v % owners.Length];
            string state = states[host] == "failed" ? "failed"
                : !ha ? "stopped"
                : v % 97 == 3 ? "starting"
                : "running";
            vms.Add(v % 400 == 11
                ? new VmStatus(name, null, "unplaced", priority, 1000 + v, true) // from the fenced host: no room yet
                : new VmStatus(name, Name(host), state, ha ? priority : "disabled", 1000 + v, ha));
        }

        var perHost = vms.Where(v => v.Host is not null).GroupBy(v => v.Host!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var hosts = Enumerable.Range(0, hostCount).Select(i => new HostStatus(
            Name(i),
            states[i],
            states[i] switch { "suspect" => 3_100, "failed" => 15_400, "fenced" => 1_260_000, _ => 150 + (i * 37 % 800) },
            states[i] == "fenced",
            states[i] == "maintenance",
            $"20261127{i:D2}0000-{i * 2654435761L % 0xFFFFFFFFFFFL:x12}",
            Voter: states[i] is not "fenced",
            RaftEndpoint: $"10.0.{i / 200}.{i % 200 + 10}:7400",
            InitiatorIqn: $"iqn.2026-11.lab.example:{Name(i)}",
            Hypervisor: "libvirt",
            Cpus: CpusPerHost,
            MemoryMb: MemoryPerHostMb,
            Vms: perHost.GetValueOrDefault(Name(i)))).ToList();

        var status = new StatusReport("storage-1", "0.1.0", now, now.AddDays(-12), "10.0.0.1:7400", 14,
            new QuorumStatus(hostCount, hostCount - 2, true, $"hears {hostCount - 2} of {hostCount} voters (majority {hostCount / 2 + 1})"),
            hosts, vms, new JournalStatus(48_213, 190_552, 41_943_040));
        var failover = new FailoverStatus("verified", true, "the appliance hears a majority of voters: it decides failovers", 1, 1,
            [.. hosts.Select(h => new FailoverHostStatus(h.Name, h.State == "suspect" ? "silent" : h.State, h.Generation!, h.Vms,
                CpusPerHost - (h.Vms * CpusPerVm), MemoryPerHostMb - (h.Vms * MemoryPerVmMb)))],
            vms);
        return new OperatorSnapshot(status, failover, Decisions(now, Name(hostCount - 3), vms), ActiveAlarms.Compute(status, failover));
    }

    /// <summary>Two suspect, one failed, one fenced, two in maintenance, the rest online.</summary>
    private static string HostState(int i, int count) =>
        i == count - 3 ? "failed"
        : i == count - 2 ? "fenced"
        : i == count - 1 || i == count / 2 ? "maintenance"
        : i == 9 || i == count / 3 ? "suspect"
        : "online";

    /// <summary>The 20 latest decisions, newest first, with evidence the size the engine writes.</summary>
    private static List<DecisionRecord> Decisions(DateTimeOffset now, string failedHost, IReadOnlyList<VmStatus> vms)
    {
        var rows = new List<DecisionRecord>(20);
        for (int i = 0; i < 20; i++)
        {
            var vm = vms[i * 7 % vms.Count];
            var (kind, subject, outcome, summary) = (i % 5) switch
            {
                0 => (DecisionKinds.HostFailed, "host:" + failedHost, Outcome.Decided, $"host {failedHost} missed its lease (15.4 s) and a majority of voters agree"),
                1 => (DecisionKinds.FenceHost, "host:" + failedHost, Outcome.Succeeded, $"host {failedHost} cut off the storage: no ACL and no session remain on 3 targets"),
                2 => (DecisionKinds.PlaceVm, "vm:" + vm.Name, Outcome.Succeeded, $"{vm.Name} placed on {vm.Host ?? "nothing"}: most free memory among 58 candidates"),
                3 => (DecisionKinds.StartVm, "vm:" + vm.Name, Outcome.Succeeded, $"{vm.Name} confirmed running at epoch {vm.Epoch}"),
                _ => (DecisionKinds.VmNotRestarted, "vm:" + vm.Name, Outcome.Failed, $"{vm.Name} not restarted: no capacity (needs 2 CPUs, 4096 MiB)"),
            };
            var evidence = new JsonObject
            {
                ["summary"] = summary,
                ["host"] = failedHost,
                ["epoch"] = vm.Epoch,
                ["leaseAgeMs"] = 15_400,
                ["voters"] = new JsonArray("esx01", "esx02", "esx03", "esx04"),
                ["candidates"] = 58,
                ["tookMs"] = 12.5,
            };
            rows.Add(new DecisionRecord(48_213 - i, now.AddSeconds(-i * 3), kind, subject, outcome, evidence.ToJsonString()));
        }

        return rows;
    }
}
