using HaWitness.Core.Journal;
using HaWitness.Core.Status;

namespace HaWitness.Appliance.Http;

/// <summary><c>/healthz</c> and <c>/api/v1/status</c>.</summary>
internal static class StatusEndpoints
{
    public static void Map(WebApplication app)
    {
        // A journal that cannot take writes (disk full, I/O error) makes every decision and join
        // fail: the appliance is not healthy then, even though it still answers reads.
        app.MapGet("/healthz", (JournalStore journal) =>
            journal.Fault is { } fault
                ? Results.Text("journal: " + fault + "\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable)
                : journal.Ping()
                    ? Results.Text("ok\n", "text/plain")
                    : Results.Text("journal unavailable\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable));

        app.MapGet("/api/v1/status", (StatusBuilder status) => TypedResults.Ok(status.Build()));
    }
}
