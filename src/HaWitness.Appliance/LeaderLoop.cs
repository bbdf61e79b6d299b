using HaWitness.Cluster;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Quorum;
using HaWitness.Cluster.Raft;
using HaWitness.Core.Journal;

namespace HaWitness.Appliance;

/// <summary>
/// Runs the leader's duties every 100 ms of the appliance's clock while it leads; resets the
/// lease tracker when leadership is gained or lost. A failing pass is logged and retried: the
/// loop never takes the appliance down.
/// </summary>
internal sealed partial class LeaderLoop(RaftNode node, HostLeaseTracker tracker, LeaderDuties duties, JournalStore journal, TimeProvider time, ILogger<LeaderLoop> logger)
    : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool leading = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            bool now = node.IsLeader;
            if (now && !leading)
            {
                tracker.LeadershipGained();
                duties.Reset();
                journal.RecordEvent("LeadershipGained", Subjects.Cluster, $"term {node.Term}: counting every host's silence from now");
                LogLeadership(logger, true, node.Term);
            }
            else if (!now && leading)
            {
                tracker.LeadershipLost();
                journal.RecordEvent("LeadershipLost", Subjects.Cluster, $"term {node.Term}: deciding nothing until leading again");
                LogLeadership(logger, false, node.Term);
            }

            leading = now;
            if (leading)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, node.LeadershipToken);
                try
                {
                    await duties.TickAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
                catch (NotLeaderException)
                {
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogTickFailed(logger, ex);
                }
            }

            try
            {
                await Task.Delay(Tick, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "Leadership {Gained} (term {Term})")]
    private static partial void LogLeadership(ILogger logger, bool gained, long term);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "Leader duties failed; retrying")]
    private static partial void LogTickFailed(ILogger logger, Exception ex);
}
