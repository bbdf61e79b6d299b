using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;

namespace HaWitness.Cluster.Quorum;

/// <summary>
/// Mirrors the committed state into the journal's <c>hosts</c> and <c>vms</c> tables, so that every
/// state change of a host or VM is an event row with its reason (the command that made it).
/// Rows are written only when they change, so replaying the log at start writes almost nothing.
/// </summary>
public sealed class StateJournaler
{
    private readonly JournalStore _journal;
    private readonly ClusterState _state;
    private readonly Dictionary<string, HostUpdate> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VmUpdate> _vms = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Creates the journaler and loads the rows already journaled.</summary>
    public StateJournaler(JournalStore journal, ClusterState state)
    {
        ArgumentNullException.ThrowIfNull(journal);
        _journal = journal;
        _state = state;
        foreach (var h in journal.Hosts())
        {
            _hosts[h.Name] = new HostUpdate(h.Name, h.State, h.Generation, h.Fenced, h.Maintenance, JsonNode.Parse(h.FactsJson) as JsonObject);
        }

        foreach (var v in journal.Vms())
        {
            _vms[v.Name] = new VmUpdate(v.Name, v.Host, v.State, v.Priority, v.Epoch, v.Ha);
        }
    }

    /// <summary>Call after each applied command (the state machine's <c>Applied</c> event).</summary>
    public void OnApplied(long index, ClusterCommand command, ApplyResult result)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!result.Applied)
        {
            return;
        }

        string reason = $"{command.Describe()} (log index {index})";
        var (hosts, vms) = command.Touches;
        lock (_lock)
        {
            var view = hosts is null || vms is null ? _state.View : null;
            var hostRows = new List<HostUpdate>();
            var vmRows = new List<VmUpdate>();
            foreach (var h in hosts is null ? view!.Hosts.Values : hosts.Select(_state.Host).OfType<HostEntry>())
            {
                var row = new HostUpdate(h.Name, CommittedState(h), h.Generation, h.Fenced, h.Maintenance, null);
                if (!_hosts.TryGetValue(h.Name, out var old) || !SameHost(old, row))
                {
                    hostRows.Add(row with { Facts = Facts(h) });
                }
            }

            foreach (var v in vms is null ? view!.Vms.Values : vms.Select(_state.Vm).OfType<VmEntry>())
            {
                var row = new VmUpdate(v.Name, v.Host, v.Host is null ? "unplaced" : v.Run ? "running" : "stopped",
                    v.Priority.ToString().ToLowerInvariant(), v.Epoch, v.Ha);
                if (!_vms.TryGetValue(v.Name, out var old) || old != row)
                {
                    vmRows.Add(row);
                }
            }

            // One transaction per applied entry: an AssignVms of 1,000 VMs is one fsync, not 1,000.
            _journal.UpsertState(hostRows, vmRows, reason);
            foreach (var row in hostRows)
            {
                _hosts[row.Name] = row with { Facts = null };
            }

            foreach (var row in vmRows)
            {
                _vms[row.Name] = row;
            }
        }
    }

    private static bool SameHost(HostUpdate a, HostUpdate b) =>
        a.State == b.State && a.Generation == b.Generation && a.Fenced == b.Fenced && a.Maintenance == b.Maintenance;

    /// <summary>The committed part of a host's state (suspect/online come from leases, not the log).</summary>
    private static string CommittedState(HostEntry h) =>
        h.Phase == HostPhase.Removed ? "offline"
        : h.Fenced ? "fenced"
        : h.Phase == HostPhase.Failed ? "failed"
        : h.Maintenance ? "maintenance"
        : "online";

    private static JsonObject Facts(HostEntry h) => new()
    {
        ["raftEndpoint"] = h.RaftEndpoint,
        ["probeEndpoint"] = h.ProbeEndpoint,
        ["initiatorIqn"] = h.InitiatorIqn,
        ["hypervisor"] = h.Hypervisor,
        ["cpus"] = h.Cpus,
        ["memoryMb"] = h.MemoryMb,
        ["voter"] = h.Voter,
        ["identity"] = h.Identity,
    };
}
