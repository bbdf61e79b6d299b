using HaWitness.Cluster;
using HaWitness.Cluster.Leases;
using HaWitness.Core.Configuration;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Core.Status;
using HaWitness.Failover.Status;
using HaWitness.Operator.Alarms;

namespace HaWitness.Operator.Api;

/// <summary>Reads an <see cref="OperatorSnapshot"/>: the one place the page, the API and the metrics get their state from.</summary>
internal sealed class OperatorState(
    StatusBuilder status,
    ICommandLog log,
    IHostLiveness liveness,
    IStorageFencer fencer,
    FailoverOptions options,
    LeaseOptions lease,
    JournalStore journal)
{
    /// <summary>Reads the state now, with the <paramref name="latest"/> newest decisions.</summary>
    public OperatorSnapshot Take(int latest = 20)
    {
        var report = status.Build();
        var failover = Failover();
        IReadOnlyList<DecisionRecord> decisions = latest > 0 ? journal.Decisions(new DecisionQuery(Limit: latest)) : [];
        return new OperatorSnapshot(report, failover, decisions, ActiveAlarms.Compute(report, failover));
    }

    /// <summary>The failover view (<c>GET /api/v1/failover</c>).</summary>
    public FailoverStatus Failover() =>
        FailoverStatusBuilder.Build(log.View, liveness, fencer.IsConfigured, options, TimeSpan.FromMilliseconds(lease.SuspectAfterMs));
}
