using System.Globalization;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Failover;
using HaWitness.Failover.Planned;
using HaWitness.Operator.Api;
using HaWitness.Operator.Metrics;
using HaWitness.Operator.Page;

namespace HaWitness.Appliance.Http;

/// <summary>
/// The operators' JSON API beside the existing routes: <c>/api/v1/hosts[/{name}]</c>,
/// <c>/api/v1/vms[/{name}]</c>, <c>/api/v1/alarms</c>, <c>/api/v1/journal</c> (cursor paging,
/// filters by subject and kind), the body-style actions (<c>POST /api/v1/hosts/{name}/maintenance</c>
/// <c>{"enter": bool}</c>, <c>POST /api/v1/hosts/{name}/spare</c> <c>{"spare": bool}</c>, <c>POST /api/v1/hosts/{name}/readmit</c> <c>{"reason": text}</c>,
/// <c>POST /api/v1/vms/{name}/migrate|ha|priority</c>), the OpenAPI document
/// and <c>/metrics</c>. Bad input is a 4xx with a sentence, never a 500.
/// </summary>
internal static class OperatorEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapGet("/api/v1/hosts", (OperatorState state) => TypedResults.Json(new HostsReport(state.Take(0).Hosts()), OperatorJson.Default.HostsReport));
        app.MapGet("/api/v1/hosts/{name}", (string name, OperatorState state) =>
            state.Take(0).Host(name) is { } h ? Results.Json(h, OperatorJson.Default.HostView) : JsonBody.Error(404, "not_found", $"no host {name}"));
        app.MapGet("/api/v1/vms", (OperatorState state) => TypedResults.Json(new VmsReport(state.Take(0).Status.Vms), OperatorJson.Default.VmsReport));
        app.MapGet("/api/v1/vms/{name}", (string name, OperatorState state) =>
            state.Take(0).Vm(name) is { } v ? Results.Json(v, Core.Status.HaWitnessJson.Default.VmStatus) : JsonBody.Error(404, "not_found", $"no VM {name}"));
        app.MapGet("/api/v1/alarms", (OperatorState state) => TypedResults.Json(new AlarmsReport(state.Take(0).Alarms), OperatorJson.Default.AlarmsReport));
        app.MapGet("/api/v1/journal", (HttpContext http, JournalStore journal) => Journal(http.Request.Query, journal));
        app.MapGet("/api/v1/openapi.json", () => Results.Text(OpenApiDocument.Json, "application/json; charset=utf-8"));
        app.MapGet("/metrics", (OperatorMetrics metrics) => Results.Text(metrics.Scrape(), PrometheusExporter.ContentType));

        app.MapPost("/api/v1/hosts/{name}/maintenance", async (string name, HttpContext http, PlannedOperations ops) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, OperatorJson.Default.MaintenanceRequest, MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }

            return body!.Enter switch
            {
                true => Result(await ops.EnterMaintenanceAsync(name, body.Force, http.RequestAborted).ConfigureAwait(false)),
                false => Result(await ops.ExitMaintenanceAsync(name, http.RequestAborted).ConfigureAwait(false)),
                null => JsonBody.Error(400, "bad_request", "the body needs \"enter\": true (enter maintenance) or false (leave it)"),
            };
        });
        app.MapPost("/api/v1/hosts/{name}/spare", async (string name, HttpContext http, PlannedOperations ops) =>
        {
            if (!Names.IsValidHostName(name))
            {
                return JsonBody.Error(400, "bad_request", "not a valid host name (1 to 63 letters, digits, '-' or '.', starting with a letter or digit)");
            }

            var (body, error) = await JsonBody.ReadAsync(http.Request, OperatorJson.Default.SpareRequest, MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? (body!.Spare is { } spare
                ? Result(await ops.SetSpareAsync(name, spare, http.RequestAborted).ConfigureAwait(false))
                : JsonBody.Error(400, "bad_request", "the body needs \"spare\": true (make it a spare) or false (a normal host again)"));
        });
        app.MapPost("/api/v1/hosts/{name}/readmit", async (string name, HttpContext http, PlannedOperations ops) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, OperatorJson.Default.ReadmitRequest, MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? Result(await ops.ReadmitAsync(name, body!.Reason ?? string.Empty, http.RequestAborted).ConfigureAwait(false));
        });
        app.MapPost("/api/v1/vms/{name}/migrate", async (string name, HttpContext http, PlannedOperations ops) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, OperatorJson.Default.MigrateRequest, MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? (string.IsNullOrWhiteSpace(body!.Host)
                ? JsonBody.Error(400, "bad_request", "the body needs \"host\": the host to move the VM to")
                : Result(await ops.MigrateAsync(name, body.Host, http.RequestAborted).ConfigureAwait(false)));
        });
        app.MapPost("/api/v1/vms/{name}/ha", async (string name, HttpContext http, PlannedOperations ops) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, OperatorJson.Default.HaRequest, MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? (body!.On is { } on
                ? Result(await ops.SetHaAsync(name, on, http.RequestAborted).ConfigureAwait(false))
                : JsonBody.Error(400, "bad_request", "the body needs \"on\": true or false"));
        });
        app.MapPost("/api/v1/vms/{name}/priority", async (string name, HttpContext http, PlannedOperations ops) =>
        {
            var (body, error) = await JsonBody.ReadAsync(http.Request, OperatorJson.Default.PriorityRequest, MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
            return error ?? (ParsePriority(body!.Priority) is { } p
                ? Result(await ops.SetPriorityAsync(name, p, http.RequestAborted).ConfigureAwait(false))
                : JsonBody.Error(400, "bad_request", "the body needs \"priority\": high, medium, low or disabled"));
        });
    }

    /// <summary>A priority word, or null (numbers are not accepted, although the enum would parse them).</summary>
    public static VmPriority? ParsePriority(string? level) =>
        level is { Length: > 0 } && !int.TryParse(level, out _) && Enum.TryParse<VmPriority>(level, ignoreCase: true, out var p) ? p : null;

    /// <summary>An operation's result with its status code: 200 ok/noop, 400 bad request, 404 not found, 409 refused, 503 not the leader.</summary>
    public static IResult Result(OperationResult r) => TypedResults.Json(r, FailoverJson.Default.OperationResult, statusCode: StatusOf(r));

    public static int StatusOf(OperationResult r) => r.Code switch
    {
        "ok" or "noop" => StatusCodes.Status200OK,
        "bad-request" => StatusCodes.Status400BadRequest,
        "not-found" => StatusCodes.Status404NotFound,
        "not-leader" => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status409Conflict,
    };

    private static IResult Journal(IQueryCollection query, JournalStore journal)
    {
        int limit = 50;
        long? cursor = null, after = null;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return JsonBody.Error(400, "bad_request", "limit must be a whole number from 1 to 1000");
        }

        if (query["cursor"].ToString() is { Length: > 0 } c)
        {
            if (!long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out long before) || before < 1)
            {
                return JsonBody.Error(400, "bad_request", "cursor is not one this API handed out (use the 'next' value of the previous page)");
            }

            cursor = before;
        }

        if (query["after"].ToString() is { Length: > 0 } a)
        {
            if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out long since))
            {
                return JsonBody.Error(400, "bad_request", "after must be a decision id (a whole number)");
            }

            after = since;
        }

        if (cursor is not null && after is not null)
        {
            return JsonBody.Error(400, "bad_request", "use either cursor (older pages) or after (newer decisions), not both");
        }

        string? subject = query["subject"].ToString() is { Length: > 0 } s ? s : null;
        string? kind = query["kind"].ToString() is { Length: > 0 } k ? k : null;
        if (subject?.Length > 300 || kind?.Length > 100)
        {
            return JsonBody.Error(400, "bad_request", "subject or kind is too long");
        }

        var rows = journal.Decisions(new DecisionQuery(subject, kind, cursor, after, limit));
        var entries = rows.Select(d =>
        {
            var evidence = d.Evidence();
            return new JournalEntry(d.Id, d.Time, d.Kind, d.Subject, d.Outcome.ToString(), d.SummaryOf(evidence), evidence);
        }).ToList();
        string? next = after is not null
            ? (entries.Count > 0 ? entries[^1].Id : after.Value).ToString(CultureInfo.InvariantCulture)
            : entries.Count == limit ? entries[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return Results.Json(new JournalPage(entries, next), OperatorJson.Default.JournalPage);
    }
}
