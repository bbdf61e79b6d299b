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
    /// <summary>
    /// The one-line reason people read (page, journal API, explain): the evidence's <c>summary</c>,
    /// else the kind (older rows, or evidence that is not an object).
    /// </summary>
    public string Summary()
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(EvidenceJson);
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && doc.RootElement.TryGetProperty("summary", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.String
                ? s.GetString() ?? Kind
                : Kind;
        }
        catch (System.Text.Json.JsonException)
        {
            return Kind;
        }
    }
}
