using HaWitness.Cluster.Join;
using HaWitness.Cluster.Quorum;

namespace HaWitness.Appliance.Http;

/// <summary>The agents' API: join, admit, heartbeat.</summary>
internal static class AgentEndpoints
{
    private const int MaxJoinBytes = 64 * 1024;
    private const int MaxHeartbeatBytes = 16 * 1024 * 1024;

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

        app.MapPost("/api/v1/agents/heartbeat", async (HttpContext http, HeartbeatService heartbeats) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, AgentApiJson.Default.HeartbeatRequest, MaxHeartbeatBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? ToResult(heartbeats.Heartbeat(body!, Bearer(http)), AgentApiJson.Default.HeartbeatResponse);
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

    private static string Remote(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
