namespace HaWitness.Core.Journal;

/// <summary>
/// Something that happened (not decided): a state change of a host or VM, an alarm, a start-up.
/// State changes carry the old and new state.
/// </summary>
public sealed record EventRecord(
    long Id,
    DateTimeOffset Time,
    string Kind,
    string Subject,
    string? OldState,
    string? NewState,
    string Message);
