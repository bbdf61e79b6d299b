using System.Globalization;
using HaWitness.Cluster.State;

namespace HaWitness.Failover.Placement;

/// <summary>The planner's working state: free capacity per host, rule bookkeeping, admission totals.</summary>
internal sealed class PlanContext
{
    private readonly PlacementRequest _request;
    private readonly IReadOnlyList<HostSlot> _hosts;
    private readonly Dictionary<string, int> _hostIndex = new(StringComparer.Ordinal);
    private readonly long[] _capCpu;
    private readonly long[] _freeCpu;
    private readonly long[] _freeMem;
    private readonly bool[] _eligible;
    private readonly bool[] _spare;
    private readonly bool _planned;
    private readonly Dictionary<string, VmDemand> _inPlan;
    private readonly Dictionary<string, List<int>> _rulesOfVm = new(StringComparer.Ordinal);
    private readonly PlacementRule[] _rules;
    private readonly HashSet<int>[] _apartHosts;
    private readonly Dictionary<int, int>[] _togetherHosts;
    private readonly Dictionary<string, int> _where = new(StringComparer.Ordinal);
    private readonly long _admitCpu;
    private readonly long _admitMem;
    private long _demandCpu;
    private long _demandMem;

    public PlanContext(PlacementRequest request)
    {
        _request = request;
        _hosts = request.Hosts;
        int n = _hosts.Count;
        _capCpu = new long[n];
        _freeCpu = new long[n];
        _freeMem = new long[n];
        _eligible = new bool[n];
        _spare = new bool[n];
        _planned = request.Purpose == PlacementPurpose.Planned;
        for (int i = 0; i < n; i++)
        {
            var h = _hosts[i];
            _hostIndex[h.Name] = i;
            _capCpu[i] = MilliCpu(h.Cpus, request.CpuOvercommit);
            _freeCpu[i] = _capCpu[i] - (h.UsedCpus * 1000L);
            _freeMem[i] = h.MemoryMb - h.UsedMemoryMb;
            _eligible[i] = h.Ineligible is null;
            _spare[i] = h.Spare;
        }

        _inPlan = new Dictionary<string, VmDemand>(request.Vms.Count, StringComparer.Ordinal);
        foreach (var vm in request.Vms)
        {
            _inPlan[vm.Name] = vm;
        }

        _rules = [.. request.Rules];
        _apartHosts = new HashSet<int>[_rules.Length];
        _togetherHosts = new Dictionary<int, int>[_rules.Length];
        for (int r = 0; r < _rules.Length; r++)
        {
            _apartHosts[r] = [];
            _togetherHosts[r] = [];
            foreach (var vm in _rules[r].Vms)
            {
                if (!_rulesOfVm.TryGetValue(vm, out var list))
                {
                    _rulesOfVm[vm] = list = [];
                }

                list.Add(r);
                if (!_inPlan.ContainsKey(vm) && request.Placed.TryGetValue(vm, out var host) && _hostIndex.TryGetValue(host, out int hi))
                {
                    Note(r, hi);
                }
            }
        }

        (_admitCpu, _admitMem) = AdmissionCapacity(request, out _demandCpu, out _demandMem);
    }

    public bool InPlan(string vm) => _inPlan.ContainsKey(vm);

    public string HostName(int host) => _hosts[host].Name;

    /// <summary>Admission control (planned placements only): room must stay for the reserved host failures.</summary>
    public bool Admits(VmDemand vm, out string? reason)
    {
        reason = null;
        if (_request.Purpose != PlacementPurpose.Planned || _request.ReserveHostFailures <= 0)
        {
            return true;
        }

        if (_demandCpu + (vm.Cpus * 1000L) <= _admitCpu && _demandMem + vm.MemoryMb <= _admitMem)
        {
            return true;
        }

        reason = string.Create(CultureInfo.InvariantCulture,
            $"admission control keeps room for {_request.ReserveHostFailures} host failure(s)");
        return false;
    }

    /// <summary>
    /// The best host for <paramref name="vm"/>, or -1 with the reason. A planned placement never
    /// chooses a spare; a failover restart chooses a spare with room before any other host (after
    /// keep-together, before prefer-host rules): that is what the spare's capacity is kept for.
    /// </summary>
    public int ChooseHost(VmDemand vm, out string why)
    {
        _rulesOfVm.TryGetValue(vm.Name, out var rules);
        int anchor = -1;
        int anchorRule = -1;
        int[]? preferred = null;
        int preferRule = -1;
        long groupCpu = 0;
        long groupMem = 0;
        if (rules is not null)
        {
            foreach (int r in rules)
            {
                var rule = _rules[r];
                if (rule.Kind == PlacementRuleKind.KeepTogether)
                {
                    if (_togetherHosts[r].Count > 0 && anchor < 0)
                    {
                        anchor = _togetherHosts[r].OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).First().Key;
                        anchorRule = r;
                    }
                    else if (_togetherHosts[r].Count == 0)
                    {
                        foreach (var other in rule.Vms)
                        {
                            if (other != vm.Name && _inPlan.TryGetValue(other, out var d) && !_where.ContainsKey(other))
                            {
                                groupCpu += d.Cpus * 1000L;
                                groupMem += d.MemoryMb;
                            }
                        }
                    }
                }
                else if (rule.Kind == PlacementRuleKind.PreferHost && preferred is null)
                {
                    preferred = [.. rule.Hosts.Select(h => _hostIndex.GetValueOrDefault(h, -1)).Where(i => i >= 0)];
                    preferRule = r;
                }
            }
        }

        long cpu = vm.Cpus * 1000L;
        int best = -1;
        int bestRank = int.MaxValue;
        double bestRoom = double.NegativeInfinity;
        bool bestFitsGroup = false;
        bool bestSpare = false;
        int eligible = 0;
        int spares = 0;
        int roomy = 0;
        string? apartBlock = null;
        for (int h = 0; h < _hosts.Count; h++)
        {
            if (!_eligible[h] || (vm.AvoidHosts?.Contains(_hosts[h].Name) ?? false)
                || (vm.RequiredHost is not null && !string.Equals(vm.RequiredHost, _hosts[h].Name, StringComparison.Ordinal)))
            {
                continue;
            }

            if (_planned && _spare[h])
            {
                spares++;
                continue;
            }

            eligible++;
            if (_freeCpu[h] < cpu || _freeMem[h] < vm.MemoryMb)
            {
                continue;
            }

            roomy++;
            if (anchor >= 0 && h != anchor)
            {
                continue;
            }

            string? apart = ApartConflict(rules, h);
            if (apart is not null)
            {
                apartBlock ??= apart;
                continue;
            }

            int rank = preferred is null ? 0 : IndexOf(preferred, h);
            bool fitsGroup = _freeCpu[h] >= cpu + groupCpu && _freeMem[h] >= vm.MemoryMb + groupMem;
            double room = Math.Min(
                (double)(_freeCpu[h] - cpu) / Math.Max(1, _capCpu[h]),
                (double)(_freeMem[h] - vm.MemoryMb) / Math.Max(1, _hosts[h].MemoryMb));
            bool spare = _spare[h];
            if (best < 0 || (fitsGroup && !bestFitsGroup)
                || (fitsGroup == bestFitsGroup && spare && !bestSpare)
                || (fitsGroup == bestFitsGroup && spare == bestSpare && (rank < bestRank || (rank == bestRank && room > bestRoom))))
            {
                (best, bestRank, bestRoom, bestFitsGroup, bestSpare) = (h, rank, room, fitsGroup, spare);
            }
        }

        if (best >= 0)
        {
            why = anchor >= 0 ? $"kept together on {_hosts[best].Name} (rule {_rules[anchorRule].Name})"
                : bestSpare ? "a spare: failover restarts go to spares first"
                : preferred is not null && bestRank < int.MaxValue ? $"preferred host (rule {_rules[preferRule].Name})"
                : vm.RequiredHost is not null ? "the requested host"
                : "the eligible host with the most room left";
            return best;
        }

        why = vm.RequiredHost is not null && eligible == 0 ? $"host {vm.RequiredHost} cannot take it ({IneligibleReason(vm.RequiredHost)})"
            : eligible == 0 && spares > 0 ? "no eligible host (every other host is failed, fenced, in maintenance or a spare, and spares take VMs only in a failover)"
            : eligible == 0 ? "no eligible host (every other host is failed, fenced or in maintenance)"
            : roomy == 0 ? string.Create(CultureInfo.InvariantCulture, $"no capacity (needs {vm.Cpus} CPU, {vm.MemoryMb} MiB; no eligible host has that free)")
            : anchor >= 0 ? $"rule {_rules[anchorRule].Name} keeps it on {_hosts[anchor].Name}, which has no room"
            : $"rule {apartBlock} keeps it apart from the VMs on every host with room";
        return -1;
    }

    /// <summary>Books <paramref name="vm"/> on <paramref name="host"/>.</summary>
    public void Take(VmDemand vm, int host)
    {
        _freeCpu[host] -= vm.Cpus * 1000L;
        _freeMem[host] -= vm.MemoryMb;
        _demandCpu += vm.Cpus * 1000L;
        _demandMem += vm.MemoryMb;
        _where[vm.Name] = host;
        if (_rulesOfVm.TryGetValue(vm.Name, out var rules))
        {
            foreach (int r in rules)
            {
                Note(r, host);
            }
        }
    }

    private void Note(int rule, int host)
    {
        _apartHosts[rule].Add(host);
        _togetherHosts[rule][host] = _togetherHosts[rule].GetValueOrDefault(host) + 1;
    }

    private string? ApartConflict(List<int>? rules, int host)
    {
        if (rules is null)
        {
            return null;
        }

        foreach (int r in rules)
        {
            if (_rules[r].Kind == PlacementRuleKind.KeepApart && _apartHosts[r].Contains(host))
            {
                return _rules[r].Name;
            }
        }

        return null;
    }

    private string IneligibleReason(string host) =>
        !_hostIndex.TryGetValue(host, out int i) ? "no such host"
        : _hosts[i].Ineligible ?? (_planned && _spare[i] ? "it is a spare: it takes VMs only in a failover" : "no room");

    private static int IndexOf(int[] array, int value)
    {
        int i = Array.IndexOf(array, value);
        return i < 0 ? int.MaxValue : i;
    }

    private static long MilliCpu(int cpus, double overcommit) => (long)Math.Floor(cpus * 1000.0 * Math.Max(overcommit, 0.01));

    /// <summary>Every eligible host counts, spares too: their room is what a failover would use.</summary>
    private static (long Cpu, long Mem) AdmissionCapacity(PlacementRequest request, out long demandCpu, out long demandMem)
    {
        var eligible = request.Hosts.Where(h => h.Ineligible is null).ToList();
        demandCpu = eligible.Sum(h => h.UsedCpus * 1000L);
        demandMem = eligible.Sum(h => h.UsedMemoryMb);
        int reserve = Math.Max(0, request.ReserveHostFailures);
        long cpu = eligible.Select(h => MilliCpu(h.Cpus, request.CpuOvercommit)).OrderByDescending(c => c).Skip(reserve).Sum();
        long mem = eligible.Select(h => h.MemoryMb).OrderByDescending(m => m).Skip(reserve).Sum();
        return (cpu, mem);
    }
}
