using System.Text.Json;
using System.Text.Json.Nodes;
using HaWitness.Cluster;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Journal;
using HaWitness.Failover.Status;

namespace HaWitness.Failover.Explain;

/// <summary>
/// Answers "why is it where it is / why wasn't it restarted / why was this host fenced" from the
/// journal: the VM's (or host's) decisions, interleaved with those of the hosts it was moved
/// from, with their evidence, and a short answer built from the latest of them.
/// </summary>
internal sealed class ExplainService(IDecisionJournal journal, ICommandLog log, IHostLiveness liveness)
{
    private static readonly HashSet<string> HostKinds = new(StringComparer.Ordinal)
    {
        DecisionKinds.HostFailed, DecisionKinds.FenceHost, FailoverKinds.WaitLease, DecisionKinds.Maintenance,
        FailoverKinds.ReadmitHost, DecisionKinds.UnfenceHost, DecisionKinds.GrantInitiator, FailoverKinds.SetSpare,
    };

    public ExplainAnswer Vm(string name, int limit = 100)
    {
        var view = log.View;
        string subject = Subjects.Vm(name);
        var own = journal.Decisions(new DecisionQuery(Subject: subject, Limit: limit));
        if (!view.Vms.TryGetValue(name, out var vm))
        {
            return new ExplainAnswer(subject, false, $"no VM {name} is known", null, Steps(own));
        }

        var hosts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in own)
        {
            var e = d.Evidence();
            foreach (var key in new[] { "host", "from", "to" })
            {
                if (e?[key] is JsonValue v && v.TryGetValue<string>(out var h))
                {
                    hosts.Add(h);
                }
            }
        }

        if (vm.Host is not null)
        {
            hosts.Add(vm.Host);
        }

        long oldest = own.Count == 0 ? long.MaxValue : own.Min(d => d.Id);
        var related = hosts
            .SelectMany(h => journal.Decisions(new DecisionQuery(Subject: Subjects.Host(h), Limit: limit)))
            .Where(d => HostKinds.Contains(d.Kind) && d.Id >= oldest - 50);
        var chain = Steps([.. own.Concat(related).OrderBy(d => d.Id).TakeLast(limit)]);
        string state = FailoverStatusBuilder.VmState(view, liveness, vm);
        var current = new JsonObject
        {
            ["host"] = vm.Host,
            ["state"] = state,
            ["epoch"] = vm.Epoch,
            ["run"] = vm.Run,
            ["moving"] = vm.Moving,
            ["ha"] = vm.Ha,
            ["priority"] = vm.Priority.ToString().ToLowerInvariant(),
            ["dependsOn"] = new JsonArray([.. vm.DependsOn.Select(d => (JsonNode?)d)]),
        };
        return new ExplainAnswer(subject, true, VmAnswer(view, vm, state, own), current, chain);
    }

    public ExplainAnswer Host(string name, int limit = 100)
    {
        var view = log.View;
        string subject = Subjects.Host(name);
        var own = journal.Decisions(new DecisionQuery(Subject: subject, Limit: limit));
        if (!view.Hosts.TryGetValue(name, out var h))
        {
            return new ExplainAnswer(subject, false, $"no host {name} is known", null, Steps(own));
        }

        var current = new JsonObject
        {
            ["phase"] = h.Phase.ToString().ToLowerInvariant(),
            ["fenced"] = h.Fenced,
            ["maintenance"] = h.Maintenance,
            ["spare"] = h.Spare,
            ["generation"] = h.Generation,
            ["failedGeneration"] = h.FailedGeneration,
            ["vms"] = new JsonArray([.. view.VmsOn(name).Select(v => v.Name).Order(StringComparer.Ordinal).Select(v => (JsonNode?)v)]),
        };
        return new ExplainAnswer(subject, true, HostAnswer(h, own), current, Steps([.. own.OrderBy(d => d.Id)]));
    }

    private static string VmAnswer(ClusterView view, VmEntry vm, string state, IReadOnlyList<DecisionRecord> newestFirst)
    {
        string Latest(params string[] kinds) =>
            newestFirst.Where(d => kinds.Contains(d.Kind)).Select(d => d.Summary()).FirstOrDefault() ?? string.Empty;

        string where = vm.Host is null ? $"{vm.Name} is unplaced" : $"{vm.Name} is {state} on {vm.Host} (epoch {vm.Epoch})";
        if (vm.Host is null)
        {
            string why = Latest(DecisionKinds.VmNotRestarted) is { Length: > 0 } nr ? nr : Latest(DecisionKinds.PlaceVm);
            return why.Length == 0 ? where + "." : $"{where}: {why}.";
        }

        var host = view.Hosts[vm.Host];
        if (host.Phase == HostPhase.Failed)
        {
            string why = Latest(DecisionKinds.VmNotRestarted, DecisionKinds.PlaceVm);
            return $"{vm.Name} is on {vm.Host}, which failed{(host.Fenced ? " and is fenced" : " and is being fenced")}." + (why.Length == 0 ? string.Empty : $" {why}.");
        }

        string placed = Latest(DecisionKinds.PlaceVm, FailoverKinds.MigrateVm);
        string start = Latest(DecisionKinds.StartVm);
        return placed.Length == 0
            ? $"{where}: it was registered there and no decision has moved it." + (start.Length == 0 ? string.Empty : $" Last start: {start}.")
            : $"{where}: {placed}." + (start.Length == 0 ? string.Empty : $" Last start: {start}.");
    }

    private static string HostAnswer(HostEntry h, IReadOnlyList<DecisionRecord> newestFirst)
    {
        string Latest(string kind, Outcome? outcome = null) =>
            newestFirst.Where(d => d.Kind == kind && (outcome is null || d.Outcome == outcome)).Select(d => d.Summary()).FirstOrDefault() ?? string.Empty;

        // A re-admission counts only after the latest failure: the engine's is Succeeded, the
        // operator's word is Decided (committed by PlannedOperations); a refused one is not one.
        var lastFailure = newestFirst.FirstOrDefault(d => d.Kind == DecisionKinds.HostFailed && d.Outcome == Outcome.Succeeded);
        string readmitted = newestFirst
            .Where(d => d.Kind == FailoverKinds.ReadmitHost && d.Outcome is Outcome.Succeeded or Outcome.Decided && (lastFailure is null || d.Id > lastFailure.Id))
            .Select(d => d.Summary()).FirstOrDefault() ?? string.Empty;

        if (h.Phase == HostPhase.Failed)
        {
            string failed = Latest(DecisionKinds.HostFailed);
            string fence = Latest(DecisionKinds.FenceHost);
            string refused = newestFirst
                .Where(d => d.Kind == FailoverKinds.ReadmitHost && d.Outcome == Outcome.Refused && (lastFailure is null || d.Id > lastFailure.Id))
                .Select(d => d.Summary()).FirstOrDefault() ?? string.Empty;
            return $"{h.Name} was declared failed: {failed}. Fence: {(fence.Length == 0 ? "not attempted yet" : fence)}."
                + (refused.Length == 0 ? $" It stays out until its agent returns with a new generation and runs none of the moved VMs (it failed as {h.FailedGeneration})." : $" Re-admission: {refused}.");
        }

        string answer = h.Maintenance ? $"{h.Name} is in maintenance: {Latest(DecisionKinds.Maintenance)}."
            : readmitted.Length > 0 ? $"{h.Name} is active: {readmitted}."
            : lastFailure is not null ? $"{h.Name} is active (generation {h.Generation}); it was declared failed before: {lastFailure.Summary()}."
            : $"{h.Name} is active (generation {h.Generation}); it was never declared failed.";
        string madeSpare = Latest(FailoverKinds.SetSpare, Outcome.Decided);
        string spare = !h.Spare ? string.Empty
            : madeSpare.Length == 0 ? $" {h.Name} is a spare: failover restarts go there first, planned placement never does."
            : $" {madeSpare}.";
        return answer + spare + GrantNotLanded(newestFirst);
    }

    /// <summary>
    /// " Storage access: ..." when the grant path's latest word on the host's join grant is a
    /// failure (the host is registered but its initiator is not granted yet); empty otherwise.
    /// </summary>
    private static string GrantNotLanded(IReadOnlyList<DecisionRecord> newestFirst)
    {
        var latest = newestFirst.FirstOrDefault(d => d.Kind == DecisionKinds.GrantInitiator && d.Outcome != Outcome.Decided
            && d.Evidence()?["path"]?.GetValue<string>() == "grant");
        return latest is { Outcome: Outcome.Failed } ? $" Storage access NOT granted yet: {latest.Summary()}." : string.Empty;
    }

    private static List<ExplainStep> Steps(IEnumerable<DecisionRecord> rows) =>
        [.. rows.Select(d =>
        {
            var evidence = d.Evidence();
            return new ExplainStep(d.Id, d.Time, d.Kind, d.Subject, d.Outcome.ToString(), d.SummaryOf(evidence), evidence);
        })];
}
