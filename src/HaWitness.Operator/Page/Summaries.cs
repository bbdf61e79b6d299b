using System.Text.Json;

namespace HaWitness.Operator.Page;

/// <summary>The one-line reason of a journaled decision: its evidence's <c>summary</c>, else its kind.</summary>
internal static class Summaries
{
    public static string Of(string kind, string evidenceJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(evidenceJson);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString() ?? kind
                : kind;
        }
        catch (JsonException)
        {
            return kind;
        }
    }
}
