using System.Text.Json.Nodes;

namespace HaWitness.Core.Journal;

/// <summary>One refused request, as <see cref="RefusalTally"/> counts it.</summary>
/// <param name="Kind">What was refused, the counting key with the source: <c>join</c>, <c>member-key</c>, <c>login</c>, <c>raft-tls</c>.</param>
/// <param name="DecisionKind">The journal kind of its rows (<c>AgentJoin</c>, <c>AdminLogin</c>, <c>MemberRefused</c> ...), as before the tally.</param>
/// <param name="Subject">The journal subject of its rows.</param>
/// <param name="Source">Where it came from (the remote address), the other half of the counting key.</param>
/// <param name="Reason">Why, in a few words; a summary row carries the last one.</param>
/// <param name="Summary">The sentence of the row when this refusal is journaled on its own.</param>
/// <param name="Evidence">More facts for that row (copied; the tally adds <c>count</c>, <c>remote</c>, <c>reason</c>).</param>
public sealed record Refusal(string Kind, string DecisionKind, string Subject, string Source, string Reason, string Summary, JsonObject? Evidence = null);
