using System.Text.Json.Nodes;

namespace HaWitness.Failover.Explain;

/// <summary>The body of <c>GET /api/v1/explain/vm/{name}</c> and <c>/api/v1/explain/host/{name}</c>.</summary>
/// <param name="Subject">What it is about (<c>vm:web</c>, <c>host:a</c>).</param>
/// <param name="Found">False when no such VM or host is known.</param>
/// <param name="Answer">The answer in a few sentences: why it is where it is, why it was not restarted, why the host was fenced.</param>
/// <param name="Current">Its committed state now.</param>
/// <param name="Chain">The decisions that led here, oldest first, each with its evidence.</param>
public sealed record ExplainAnswer(string Subject, bool Found, string Answer, JsonObject? Current, IReadOnlyList<ExplainStep> Chain);

/// <summary>One decision of the chain.</summary>
public sealed record ExplainStep(long Id, DateTimeOffset Time, string Kind, string Subject, string Outcome, string Summary, JsonObject? Evidence);
