using System.Globalization;
using System.Text.Json;
using HaWitness.Core.Journal;

namespace HaWitness.Failover.Simulation;

/// <summary>How a journal row reads in scenario files and traces: time since start, kind, subject, outcome, summary.</summary>
internal static class ScenarioFormat
{
    public static string Line(DecisionRecord d)
    {
        string summary = string.Empty;
        using (var doc = JsonDocument.Parse(d.EvidenceJson))
        {
            if (doc.RootElement.TryGetProperty("summary", out var s))
            {
                summary = s.GetString() ?? string.Empty;
            }
        }

        double t = (d.Time - World.Epoch).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture, $"{t,6:0.0}s {d.Kind} {d.Subject} {d.Outcome}: {summary}");
    }
}
