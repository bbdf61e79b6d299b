using HaWitness.Cluster.Join;
using HaWitness.Cluster.Quorum;
using HaWitness.Core.Journal;

namespace HaWitness.Appliance.Http;

/// <summary>The agents' API: join, admit, heartbeat. Bodies are capped per route; the heartbeat authenticates before it reads.</summary>
internal static class AgentEndpoints
{
    private const int MaxJoinBytes = 64 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapPost("/api/v1/agents/join", async (HttpContext http, JoinService joins) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, AgentApiJson.Default.JoinRequest, MaxJoinBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? ToResult(joins.Join(body!, Remote(http)), AgentApiJson.Default.JoinResponse);
        });

        app.MapPost("/api/v1/agents/admit", async (HttpContext http, JoinService joins) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, AgentApiJson.Default.AdmitRequest, MaxJoinBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? ToResult(await joins.AdmitAsync(body!, Bearer(http), Remote(http), http.RequestAborted).ConfigureAwait(false), AgentApiJson.Default.AdmitResponse);
        });

        app.MapPost("/api/v1/agents/heartbeat", async (HttpContext http, HeartbeatService heartbeats, JournalStore journal) =>
        {
            // Authenticated from the headers before a byte of the report is read: a stranger's body
            // costs nothing (the connection is closed rather than drained) and one counted refusal.
            string? member = http.Request.Headers[AgentApiHeaders.Member];
            if (heartbeats.Authenticate(member, Bearer(http)) is { } refused)
            {
                string who = HaWitness.Core.Configuration.Names.Printable(member);
                journal.Refusals.Refused(new Refusal("member-key", "HeartbeatRefused", Subjects.Cluster, Remote(http), $"{refused.Error} ({who})",
                    $"heartbeat refused for {who} from {Remote(http)}: {refused.Message}"));
                RequestLimits.CloseWithoutReading(http);
                return ToResult(refused, AgentApiJson.Default.HeartbeatResponse);
            }

            RequestLimits.AllowBody(http, HeartbeatService.MaxReportBytes);
            var (body, error) = await JsonBody.ReadAsync(http.Request, AgentApiJson.Default.HeartbeatRequest, HeartbeatService.MaxReportBytes, http.RequestAborted).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            return body!.Name != member
                ? JsonBody.Error(400, "name_mismatch", $"the report's name is not the {AgentApiHeaders.Member} header's")
                : ToResult(heartbeats.Heartbeat(body, Bearer(http)), AgentApiJson.Default.HeartbeatResponse);
        });
    }

    private static IResult ToResult<T>(ApiResult<T> result, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        result.Status == 200
            ? Results.Json(result.Value, type)
            : JsonBody.Error(result.Status, result.Error ?? "error", result.Message ?? string.Empty);

    private static string? Bearer(HttpContext http)
    {
        string? h = http.Request.Headers.Authorization;
        return h is not null && h.StartsWith("Bearer ", StringComparison.Ordinal) ? h["Bearer ".Length..].Trim() : null;
    }

    /// <summary>A header value safe to journal.</summary>
    private static string Remote(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
