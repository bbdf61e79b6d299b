namespace HaWitness.Core.Journal;

/// <summary>A page of the journal: newest first, optionally filtered.</summary>
/// <param name="Subject">Only rows about this subject (e.g. <c>host:a</c>).</param>
/// <param name="Kind">Only rows of this kind.</param>
/// <param name="BeforeId">Only rows older than this id (the next page's cursor).</param>
/// <param name="AfterId">Only rows newer than this id (for following the journal).</param>
/// <param name="Limit">At most this many rows (1..1000).</param>
public sealed record DecisionQuery(
    string? Subject = null,
    string? Kind = null,
    long? BeforeId = null,
    long? AfterId = null,
    int Limit = 100);
