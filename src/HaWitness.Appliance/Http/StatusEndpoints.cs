using HaWitness.Core.Journal;
using HaWitness.Core.Status;

namespace HaWitness.Appliance.Http;

/// <summary><c>/healthz</c> and <c>/api/v1/status</c>.</summary>
internal static class StatusEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", (JournalStore journal) =>
            journal.Ping()
                ? Results.Text("ok\n", "text/plain")
                : Results.Text("journal unavailable\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable));

        app.MapGet("/api/v1/status", (StatusBuilder status) => TypedResults.Ok(status.Build()));
    }
}
