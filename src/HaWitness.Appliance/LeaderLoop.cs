using HaWitness.Cluster;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Quorum;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Engine;

namespace HaWitness.Appliance;

/// <summary>
/// The leader's one loop. While this node leads, each pass runs the leader's duties (the failure
/// detector, dynamic quorum) and then the failover engine when its tick is due; a pass comes every
/// 100 ms and sooner when the engine is nudged (a committed failure, a changed report, a finished
/// fence or grant) or something it waits for (a lease deadline) comes due. Leadership gained or
/// lost resets the lease tracker, the duties and the engine here, in one place. A failing step is
/// logged and the loop goes on: it never takes the appliance down.
/// </summary>
internal sealed partial class LeaderLoop(RaftNode node, HostLeaseTracker tracker, LeaderDuties duties, FailoverEngine engine, JournalStore journal, TimeProvider time, ILogger<LeaderLoop> logger)
    : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A committed failure is fenced at once, not at the engine's next tick.
        node.State.Applied += (_, command, _) =>
        {
            if (command is HostFailed)
            {
                engine.Nudge();
            }
        };

        CancellationTokenSource? leadership = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                leadership = Follow(leadership, stoppingToken);
                if (leadership is not null)
                {
                    await StepAsync(duties.TickAsync, leadership.Token, stoppingToken, "duties").ConfigureAwait(false);
                    if (engine.IsDue)
                    {
                        await StepAsync(engine.TickAsync, leadership.Token, stoppingToken, "engine").ConfigureAwait(false);
                    }
                }

                try
                {
                    // Not leading, nothing wakes the loop: the engine's nudges and deadlines wait for a leadership.
                    await (leadership is null ? Task.Delay(Period, time, stoppingToken) : engine.WaitAsync(Period, stoppingToken)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            leadership?.Dispose();
        }
    }

    /// <summary>
    /// Follows this node's leadership: returns the token source of the current leadership (null
    /// while not leading), resetting the tracker, the duties and the engine when it begins and the
    /// tracker when it ends. A leadership lost and won again between two passes is a new one.
    /// </summary>
    private CancellationTokenSource? Follow(CancellationTokenSource? leadership, CancellationToken stoppingToken)
    {
        if (leadership is not null && !leadership.IsCancellationRequested && node.IsLeader)
        {
            return leadership;
        }

        if (leadership is not null)
        {
            leadership.Cancel();
            leadership.Dispose();
            tracker.LeadershipLost();
            Note("LeadershipLost", $"term {node.Term}: deciding nothing until leading again");
            LogLeadership(logger, false, node.Term);
        }

        var token = node.LeadershipToken;
        if (!node.IsLeader || token.IsCancellationRequested)
        {
            return null;
        }

        tracker.LeadershipGained();
        duties.Reset();
        engine.BeginLeadership();
        Note("LeadershipGained", $"term {node.Term}: counting every host's silence from now");
        LogLeadership(logger, true, node.Term);
        return CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, token);
    }

    /// <summary>Journals a change of leadership; a journal that cannot write does not stop the loop (the store logs it and reports the fault).</summary>
    private void Note(string kind, string message)
    {
        try
        {
            journal.RecordEvent(kind, Subjects.Cluster, message);
        }
        catch (JournalWriteException ex)
        {
            LogStepFailed(logger, kind, ex);
        }
    }

    /// <summary>Runs one step of the pass; a failure is logged, never thrown (the next pass tries again).</summary>
    private async Task StepAsync(Func<CancellationToken, Task> step, CancellationToken leading, CancellationToken stoppingToken, string name)
    {
        try
        {
            await step(leading).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
            // leadership lost mid-step: the next pass sees it
        }
        catch (NotLeaderException ex)
        {
            LogNotLeader(logger, name, ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStepFailed(logger, name, ex);
        }
    }

    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "Leadership {Gained} (term {Term})")]
    private static partial void LogLeadership(ILogger logger, bool gained, long term);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "Leader step {Step} failed; the next pass goes on")]
    private static partial void LogStepFailed(ILogger logger, string step, Exception ex);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Information, Message = "Leader step {Step}: not the leader any more: {Reason}")]
    private static partial void LogNotLeader(ILogger logger, string step, string reason);
}
