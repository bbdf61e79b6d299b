namespace HaWitness.Failover.Planned;

/// <summary>What an operator's request came to.</summary>
/// <param name="Accepted">True when it was committed (or nothing needed doing).</param>
/// <param name="Code">Stable code: <c>ok</c>, <c>noop</c>, <c>not-found</c>, <c>refused</c>, <c>not-leader</c>.</param>
/// <param name="Message">One sentence for people.</param>
/// <param name="Index">The log index it was committed at, when it was.</param>
/// <param name="DecisionId">The journal row that records it.</param>
public sealed record OperationResult(bool Accepted, string Code, string Message, long? Index, long DecisionId);
