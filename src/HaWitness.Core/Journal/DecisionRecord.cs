using System.Text.Json;
using System.Text.Json.Nodes;

namespace HaWitness.Core.Journal;

/// <summary>A journaled decision as read back.</summary>
/// <param name="Id">Monotonic row id; later decisions have larger ids.</param>
/// <param name="Time">When it was journaled (the journal's clock, UTC).</param>
/// <param name="Kind">What was decided.</param>
/// <param name="Subject">What it is about.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="EvidenceJson">The evidence as a JSON object text.</param>
public sealed record DecisionRecord(long Id, DateTimeOffset Time, string Kind, string Subject, Outcome Outcome, string EvidenceJson)
{
    /// <summary>The evidence as a JSON object, or null when it is not one (it always is when written through the journal).</summary>
    public JsonObject? Evidence()
    {
        try
        {
            return JsonNode.Parse(EvidenceJson) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The one-line reason people read (page, journal API, explain): the evidence's <c>summary</c>,
    /// else the kind (older rows, or evidence that is not an object).
    /// </summary>
    public string Summary() => SummaryOf(Evidence());

    /// <summary>As <see cref="Summary()"/>, from evidence already parsed with <see cref="Evidence"/>.</summary>
    public string SummaryOf(JsonObject? evidence) =>
        evidence?["summary"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : Kind;
}
