namespace HaWitness.Core.Journal;

/// <summary>
/// What the leader's duties write to the decision journal. <see cref="JournalStore"/> is the real
/// one; the failover simulation keeps one in memory on its fake clock, so the code that decides a
/// failure in production is the code the simulation runs.
/// </summary>
public interface IJournalWriter
{
    /// <summary>Journals a decision durably; returns its id.</summary>
    long Append(NewDecision decision);

    /// <summary>Journals an event (a state change worth showing, not a decision); returns its id.</summary>
    long RecordEvent(string kind, string subject, string message, string? oldState = null, string? newState = null);
}
