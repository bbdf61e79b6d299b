using HaWitness.Core.Journal;
using HaWitness.Failover.Journal;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// The decision journal in memory, stamped by the simulated clock: what the engine and the leader's
/// duties write. It outlives appliance restarts, as the SQLite file does.
/// </summary>
internal sealed class MemoryJournal(TimeProvider time) : IDecisionJournal, IJournalWriter
{
    private readonly List<DecisionRecord> _rows = [];
    private readonly Lock _lock = new();
    private long _events;

    /// <summary>Events (the leader duties' QuorumLost, HostHeardAgain, ...) are not part of a story's journal: counted, not kept.</summary>
    public long RecordEvent(string kind, string subject, string message, string? oldState = null, string? newState = null) =>
        Interlocked.Increment(ref _events);

    public IReadOnlyList<DecisionRecord> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _rows];
            }
        }
    }

    public long Append(NewDecision decision)
    {
        lock (_lock)
        {
            long id = _rows.Count + 1;
            _rows.Add(new DecisionRecord(id, time.GetUtcNow(), decision.Kind, decision.Subject, decision.Outcome,
                decision.Evidence?.ToJsonString() ?? "{}"));
            return id;
        }
    }

    public IReadOnlyList<DecisionRecord> Decisions(DecisionQuery query)
    {
        lock (_lock)
        {
            IEnumerable<DecisionRecord> rows = _rows;
            if (query.Subject is not null)
            {
                rows = rows.Where(r => r.Subject == query.Subject);
            }

            if (query.Kind is not null)
            {
                rows = rows.Where(r => r.Kind == query.Kind);
            }

            if (query.BeforeId is { } before)
            {
                rows = rows.Where(r => r.Id < before);
            }

            if (query.AfterId is { } after)
            {
                return [.. rows.Where(r => r.Id > after).Take(Math.Clamp(query.Limit, 1, 1000))];
            }

            return [.. rows.Reverse().Take(Math.Clamp(query.Limit, 1, 1000))];
        }
    }

    public void UpsertVm(VmUpdate vm, string reason)
    {
    }
}
