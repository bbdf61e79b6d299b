using HaWitness.Core.Journal;

namespace HaWitness.Failover.Journal;

/// <summary>
/// The part of the decision journal the failover engine writes and the explainer reads.
/// <see cref="JournalStore"/> is the real one (<see cref="StoreJournal"/>); the simulation keeps
/// one in memory on its fake clock.
/// </summary>
internal interface IDecisionJournal
{
    /// <summary>Journals a decision durably; returns its id.</summary>
    long Append(NewDecision decision);

    /// <summary>Reads decisions (see <see cref="JournalStore.Decisions"/>).</summary>
    IReadOnlyList<DecisionRecord> Decisions(DecisionQuery query);

    /// <summary>Writes a VM row of the status tables.</summary>
    void UpsertVm(VmUpdate vm, string reason);
}

/// <summary>The SQLite journal.</summary>
internal sealed class StoreJournal(JournalStore store) : IDecisionJournal
{
    public long Append(NewDecision decision) => store.Append(decision);

    public IReadOnlyList<DecisionRecord> Decisions(DecisionQuery query) => store.Decisions(query);

    public void UpsertVm(VmUpdate vm, string reason) => store.UpsertVm(vm, reason);
}
