using System.Text.Json.Nodes;

namespace HaWitness.Core.Journal;

/// <summary>A decision (or a step of one) about to be journaled.</summary>
/// <param name="Kind">What was decided, e.g. <c>HostFailed</c>, <c>FenceHost</c> (see <see cref="DecisionKinds"/>).</param>
/// <param name="Subject">What it is about (see <see cref="Subjects"/>).</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Evidence">Why: the facts the decision rested on. Stored as a JSON object.</param>
public sealed record NewDecision(string Kind, string Subject, Outcome Outcome, JsonObject? Evidence = null);
