using System.Text.Json.Nodes;
using HaWitness.Cluster;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Placement;
using Microsoft.Extensions.Logging;

namespace HaWitness.Failover.Planned;

internal sealed partial class PlannedOperations
{
    private async Task<OperationResult> CommitAsync(ClusterCommand command, string kind, string subject, string summary, CancellationToken cancellationToken)
    {
        Commit commit;
        try
        {
            commit = await log.ProposeAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (NotLeaderException ex)
        {
            return Refuse(kind, subject, "not-leader", $"not the leader: {ex.Message}");
        }

        if (!commit.Result.Applied)
        {
            return Refuse(kind, subject, "refused", $"refused by the state machine: {commit.Result.Reason}");
        }

        long id = journal.Append(new NewDecision(kind, subject, Outcome.Decided,
            new JsonObject { ["summary"] = summary, ["index"] = commit.Index, ["by"] = "operator", ["at"] = time.GetUtcNow().ToString("O") }));
        LogOperation(logger, command.Describe(), commit.Index);
        return new OperationResult(true, "ok", summary, commit.Index, id);
    }

    private OperationResult Refuse(string kind, string subject, string code, string message)
    {
        long id = journal.Append(new NewDecision(kind, subject, Outcome.Refused, new JsonObject { ["summary"] = message, ["by"] = "operator" }));
        LogRefused(logger, message);
        return new OperationResult(false, code, message, null, id);
    }

    private OperationResult Done(string kind, string subject, Outcome outcome, string code, string message, long? index)
    {
        long id = journal.Append(new NewDecision(kind, subject, outcome, new JsonObject { ["summary"] = message, ["by"] = "operator" }));
        return new OperationResult(true, code, message, index, id);
    }

    /// <summary>
    /// A planned request. <paramref name="leaving"/> is a host being emptied (it takes nothing and
    /// its room no longer counts); <paramref name="moving"/> is a VM leaving its host, which stays
    /// in the cluster: its room still counts for admission control, without that VM's load (so
    /// VMs can be moved back off a spare in a full cluster).
    /// </summary>
    private PlacementRequest Request(ClusterView view, List<VmDemand> vms, string? leaving, VmEntry? moving = null)
    {
        var hosts = PlacementInput.Hosts(view, h => h == leaving ? "being emptied" : liveness.LastReport(h) is null ? "not heard from" : null);
        int source = moving is { Host: { } from } && (moving.Run || moving.Moving) ? hosts.FindIndex(s => s.Name == from) : -1;
        if (source >= 0)
        {
            hosts[source] = hosts[source] with
            {
                UsedCpus = hosts[source].UsedCpus - moving!.Cpus,
                UsedMemoryMb = hosts[source].UsedMemoryMb - moving.MemoryMb,
            };
        }

        return new PlacementRequest
        {
            Hosts = hosts,
            Vms = vms,
            Placed = PlacementInput.Placed(view),
            Rules = [.. view.Rules.Values.OrderBy(r => r.Name, StringComparer.Ordinal)],
            Purpose = PlacementPurpose.Planned,
            ReserveHostFailures = options.ReserveHostFailures,
            CpuOvercommit = options.CpuOvercommit,
        };
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Operator: {Command} committed at {Index}")]
    private static partial void LogOperation(ILogger logger, string command, long index);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Operator request refused: {Message}")]
    private static partial void LogRefused(ILogger logger, string message);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Maintenance of {Host}: {On}: {Message}")]
    private static partial void LogMaintenance(ILogger logger, string host, bool on, string message);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Spare {Host}: {Spare}: {Message}")]
    private static partial void LogSpare(ILogger logger, string host, bool spare, string message);
}
