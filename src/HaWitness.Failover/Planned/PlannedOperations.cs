using System.Text.Json.Nodes;
using HaWitness.Cluster;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Failover.Journal;
using HaWitness.Failover.Placement;
using Microsoft.Extensions.Logging;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Planned;

/// <summary>
/// The operator's requests (API and CLI call these on the leader): maintenance enter/exit,
/// migrate, HA on/off, priority, rules, dependencies, re-admission by word. Each is checked
/// against the committed state, committed, and journaled with its evidence; the moves themselves
/// (stop on the source, then start on the target) are carried out by the failover engine, which
/// resumes them after a crash.
/// </summary>
internal sealed partial class PlannedOperations(
    ICommandLog log,
    IHostLiveness liveness,
    IStorageFencer fencer,
    IDecisionJournal journal,
    TimeProvider time,
    FailoverOptions options,
    ILogger<PlannedOperations> logger,
    StorageGrants? grants = null)
{
    /// <summary>The grant path (the appliance's shared one; a private one without alarms when none is given).</summary>
    private readonly StorageGrants _grants = grants ?? new StorageGrants(log, fencer, d => journal.Append(d), null, time,
        GrantPolicy.Backoffs(options.FenceRetryMs, options.FenceRetryMaxMs), logger: logger);

    /// <summary>
    /// Puts <paramref name="host"/> in maintenance: it takes no VM from then on, and the engine
    /// moves its VMs away. Refused (nothing changes) when some running VM would have nowhere to
    /// go, unless <paramref name="force"/>: then those stay where they are until room appears.
    /// </summary>
    public async Task<OperationResult> EnterMaintenanceAsync(string host, bool force, CancellationToken cancellationToken)
    {
        var view = log.View;
        if (!view.Hosts.TryGetValue(host, out var h) || h.Phase == HostPhase.Removed)
        {
            return Refuse(DecisionKinds.Maintenance, Subjects.Host(host), "not-found", $"no host {host}");
        }

        if (h.Maintenance)
        {
            return Done(DecisionKinds.Maintenance, Subjects.Host(host), Outcome.NoOp, "noop", $"{host} is already in maintenance", null);
        }

        var vms = view.VmsOn(host).Where(v => v.Run || v.Moving).ToList();
        var plan = PlacementPlanner.Plan(Request(view, [.. vms.Select(v => PlacementInput.Demand(v, [host]) with { DependsOn = [] })], host));
        if (plan.NotPlaced.Count > 0 && !force)
        {
            return Refuse(DecisionKinds.Maintenance, Subjects.Host(host), "refused",
                $"maintenance of {host} refused: {string.Join("; ", plan.NotPlaced.Select(u => $"{u.Vm} {u.Reason}"))} (use force to keep them running there)");
        }

        var result = await CommitAsync(new SetMaintenance(host, true), DecisionKinds.Maintenance, Subjects.Host(host),
            $"{host} enters maintenance: it takes no VM; {plan.Placed.Count} running VM(s) move ({string.Join(", ", plan.Placed.Select(p => $"{p.Vm} to {p.Host}"))})"
            + (plan.NotPlaced.Count > 0 ? $"; {plan.NotPlaced.Count} stay (forced): {string.Join(", ", plan.NotPlaced.Select(u => u.Vm))}" : string.Empty),
            cancellationToken).ConfigureAwait(false);
        LogMaintenance(logger, host, true, result.Message);
        return result;
    }

    /// <summary>Takes <paramref name="host"/> out of maintenance: it takes VMs again (none move back by themselves).</summary>
    public async Task<OperationResult> ExitMaintenanceAsync(string host, CancellationToken cancellationToken)
    {
        var view = log.View;
        if (!view.Hosts.TryGetValue(host, out var h) || h.Phase == HostPhase.Removed)
        {
            return Refuse(DecisionKinds.Maintenance, Subjects.Host(host), "not-found", $"no host {host}");
        }

        if (!h.Maintenance)
        {
            return Done(DecisionKinds.Maintenance, Subjects.Host(host), Outcome.NoOp, "noop", $"{host} is not in maintenance", null);
        }

        var result = await CommitAsync(new SetMaintenance(host, false), DecisionKinds.Maintenance, Subjects.Host(host),
            $"{host} leaves maintenance: it takes VMs again", cancellationToken).ConfigureAwait(false);
        LogMaintenance(logger, host, false, result.Message);
        return result;
    }

    /// <summary>
    /// Makes <paramref name="host"/> a spare (planned placement stops choosing it; failover
    /// restarts choose it first) or a normal host again. Nothing moves either way: VMs on it keep
    /// running until the operator migrates them, because a move stops the VM, and a flag
    /// should never cost a VM its uptime.
    /// </summary>
    public async Task<OperationResult> SetSpareAsync(string host, bool spare, CancellationToken cancellationToken)
    {
        var view = log.View;
        if (!view.Hosts.TryGetValue(host, out var h))
        {
            return Refuse(FailoverKinds.SetSpare, Subjects.Host(host), "not-found", $"no host {host}");
        }

        if (h.Phase == HostPhase.Removed)
        {
            return Refuse(FailoverKinds.SetSpare, Subjects.Host(host), "refused", $"host {host} was removed: it takes no VM at all (it must join again first)");
        }

        if (h.Spare == spare)
        {
            return Done(FailoverKinds.SetSpare, Subjects.Host(host), Outcome.NoOp, "noop", $"{host} is already {(spare ? "a spare" : "a normal host")}", null);
        }

        var owned = view.VmsOn(host).Select(v => v.Name).Order(StringComparer.Ordinal).ToList();
        string summary = !spare ? $"{host} is a normal host again: planned placement may choose it; its {owned.Count} VM(s) stay where they are"
            : owned.Count == 0 ? $"{host} becomes a spare: it takes VMs only when a failover restarts them, and first"
            : $"{host} becomes a spare: it takes VMs only when a failover restarts them, and first; {owned.Count} VM(s) still on it stay until you migrate them ({string.Join(", ", owned)})";
        var result = await CommitAsync(new SetSpare(host, spare), FailoverKinds.SetSpare, Subjects.Host(host), summary, cancellationToken).ConfigureAwait(false);
        LogSpare(logger, host, spare, result.Message);
        return result;
    }

    /// <summary>Moves <paramref name="vm"/> to <paramref name="host"/>: stopped on its owner, then started there (cold migration).</summary>
    public async Task<OperationResult> MigrateAsync(string vm, string host, CancellationToken cancellationToken)
    {
        var view = log.View;
        if (!view.Vms.TryGetValue(vm, out var v))
        {
            return Refuse(FailoverKinds.MigrateVm, Subjects.Vm(vm), "not-found", $"no VM {vm}");
        }

        if (v.Host == host && !v.Moving)
        {
            return Done(FailoverKinds.MigrateVm, Subjects.Vm(vm), Outcome.NoOp, "noop", $"{vm} is already on {host}", null);
        }

        var plan = PlacementPlanner.Plan(Request(view, [PlacementInput.Demand(v, v.Host is null ? null : [v.Host], host) with { DependsOn = [] }], null, v));
        if (plan.Placed.Count == 0)
        {
            return Refuse(FailoverKinds.MigrateVm, Subjects.Vm(vm), "refused", $"migrate {vm} to {host} refused: {plan.NotPlaced[0].Reason}");
        }

        ClusterCommand command = v.Host is not null && (v.Run || v.Moving)
            ? new BeginMove(vm, host, $"operator: migrate to {host}")
            : new AssignVms([new VmPlacement(vm, host, v.Run)], $"operator: migrate to {host}");
        return await CommitAsync(command, FailoverKinds.MigrateVm, Subjects.Vm(vm),
            v.Host is not null && (v.Run || v.Moving)
                ? $"migrate {vm} from {v.Host} to {host}: stop it on {v.Host}, then start it on {host}"
                : $"migrate {vm} to {host} (it is not running: reassigned)",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Turns HA protection on or off.</summary>
    public Task<OperationResult> SetHaAsync(string vm, bool on, CancellationToken cancellationToken)
    {
        if (!log.View.Vms.TryGetValue(vm, out var v))
        {
            return Task.FromResult(Refuse(FailoverKinds.SetVmHa, Subjects.Vm(vm), "not-found", $"no VM {vm}"));
        }

        return v.Ha == on
            ? Task.FromResult(Done(FailoverKinds.SetVmHa, Subjects.Vm(vm), Outcome.NoOp, "noop", $"HA is already {(on ? "on" : "off")} for {vm}", null))
            : CommitAsync(new SetVmHa(vm, on), FailoverKinds.SetVmHa, Subjects.Vm(vm),
                on ? $"HA on for {vm}: restarted elsewhere when its host fails" : $"HA off for {vm}: not restarted when its host fails", cancellationToken);
    }

    /// <summary>Sets the restart priority.</summary>
    public Task<OperationResult> SetPriorityAsync(string vm, VmPriority priority, CancellationToken cancellationToken)
    {
        if (!log.View.Vms.TryGetValue(vm, out var v))
        {
            return Task.FromResult(Refuse(FailoverKinds.SetVmPriority, Subjects.Vm(vm), "not-found", $"no VM {vm}"));
        }

        string level = priority.ToString().ToLowerInvariant();
        return v.Priority == priority
            ? Task.FromResult(Done(FailoverKinds.SetVmPriority, Subjects.Vm(vm), Outcome.NoOp, "noop", $"{vm} already has priority {level}", null))
            : CommitAsync(new SetVmPriority(vm, priority), FailoverKinds.SetVmPriority, Subjects.Vm(vm),
                $"restart priority of {vm}: {v.Priority.ToString().ToLowerInvariant()} -> {level}", cancellationToken);
    }

    /// <summary>Sets the VMs <paramref name="vm"/> starts after.</summary>
    public Task<OperationResult> SetDependenciesAsync(string vm, IReadOnlyList<string> dependsOn, CancellationToken cancellationToken) =>
        log.View.Vms.ContainsKey(vm)
            ? CommitAsync(new SetVmDependencies(vm, dependsOn), FailoverKinds.PlacementRule, Subjects.Vm(vm),
                dependsOn.Count == 0 ? $"{vm} starts without waiting for other VMs" : $"{vm} starts after {string.Join(", ", dependsOn)} run", cancellationToken)
            : Task.FromResult(Refuse(FailoverKinds.PlacementRule, Subjects.Vm(vm), "not-found", $"no VM {vm}"));

    /// <summary>Adds or replaces a placement rule.</summary>
    public Task<OperationResult> SetRuleAsync(PlacementRule rule, CancellationToken cancellationToken)
    {
        var command = new SetPlacementRule(rule);
        return CommitAsync(command, FailoverKinds.PlacementRule, Subjects.Cluster, command.Describe(), cancellationToken);
    }

    /// <summary>Removes a placement rule.</summary>
    public Task<OperationResult> RemoveRuleAsync(string name, CancellationToken cancellationToken) =>
        CommitAsync(new RemovePlacementRule(name), FailoverKinds.PlacementRule, Subjects.Cluster, $"remove rule {name}", cancellationToken);

    /// <summary>
    /// Re-admits a failed host on the operator's explicit word (rule 4's escape hatch, e.g. the
    /// agent cannot come back with a new generation): grants its initiator again (verified) and
    /// commits <c>ReadmitHost</c> by operator. The journal keeps who-said-so as the evidence.
    /// </summary>
    public async Task<OperationResult> ReadmitAsync(string host, string reason, CancellationToken cancellationToken)
    {
        reason = (reason ?? string.Empty).Trim();
        if (reason.Length is 0 or > 500 || reason.Any(char.IsControl))
        {
            return new OperationResult(false, "bad-request", $"say why you vouch that {host} no longer writes stale data: a reason of 1..500 characters on one line (it is journaled)", null, 0);
        }

        var view = log.View;
        if (!view.Hosts.TryGetValue(host, out var h) || h.Phase == HostPhase.Removed)
        {
            return Refuse(FailoverKinds.ReadmitHost, Subjects.Host(host), "not-found", $"no host {host}");
        }

        if (h.Phase != HostPhase.Failed)
        {
            return Done(FailoverKinds.ReadmitHost, Subjects.Host(host), Outcome.NoOp, "noop", $"{host} is not failed", null);
        }

        if (fencer.IsConfigured && h.Fenced)
        {
            // One try through the grant path (journaled, verified, alarmed when it fails): the
            // operator is there to ask again.
            var grant = await _grants.TryAsync(GrantRequest.Readmission(host, h.InitiatorIqn, new Rule4Warrant(h.Generation, ByOperator: true, reason)),
                1, retried: false, cancellationToken).ConfigureAwait(false);
            if (!grant.Verified)
            {
                return Refuse(FailoverKinds.ReadmitHost, Subjects.Host(host), "refused", $"re-admission of {host} failed: the target did not grant it ({grant.Error})");
            }
        }

        var report = liveness.LastReport(host);
        return await CommitAsync(new ReadmitHost(host, h.Generation, true, "operator: " + reason), FailoverKinds.ReadmitHost, Subjects.Host(host),
            $"{host} re-admitted on the operator's word ({reason}); generation {h.Generation}, last report {(report is null ? "none" : report.ReceivedAt.ToString("O"))}",
            cancellationToken).ConfigureAwait(false);
    }
}
