using HaWitness.Failover.Explain;
using HaWitness.Failover.Planned;
using HaWitness.Operator.Api;
using HaWitness.Operator.Auth;
using HaWitness.Operator.Https;
using HaWitness.Operator.Page;
using Microsoft.Extensions.Primitives;

namespace HaWitness.Appliance.Http;

/// <summary>
/// The status page: <c>/</c>, <c>/hosts/{name}</c>, <c>/vms/{name}</c>, their action forms (login
/// session + CSRF token), <c>/login</c>, <c>/logout</c> and the two static assets. Server-rendered
/// HTML; every name is HTML-encoded; a strict Content-Security-Policy forbids inline script.
/// </summary>
internal static class PageEndpoints
{
    private const string HtmlType = "text/html; charset=utf-8";

    public static void Map(WebApplication app)
    {
        app.MapGet("/", (HttpContext http, OperatorState state, ListenPolicy listen) => Html(http, StatusPage.Render(state.Take(), OperatorAuth.ViewerOf(http), listen.Warning())));
        app.MapGet("/hosts/{name}", (string name, HttpContext http, OperatorState state, ExplainService explain) =>
            HostPage(http, name, state, explain, null, 200));
        app.MapGet("/vms/{name}", (string name, HttpContext http, OperatorState state, ExplainService explain) =>
            VmPage(http, name, state, explain, null, 200));
        app.MapGet(Layout.CssPath, () => Static(Layout.Css, "text/css; charset=utf-8"));
        app.MapGet(Layout.JsPath, () => Static(Layout.Js, "text/javascript; charset=utf-8"));

        app.MapPost("/hosts/{name}/maintenance", (string name, HttpContext http, OperatorState state, ExplainService explain, PlannedOperations ops) =>
            FormAction(http, form => form.GetValueOrDefault("enter") == "false"
                ? ops.ExitMaintenanceAsync(name, http.RequestAborted)
                : ops.EnterMaintenanceAsync(name, form.GetValueOrDefault("force") == "true", http.RequestAborted),
                (message, code) => HostPage(http, name, state, explain, message, code)));
        app.MapPost("/hosts/{name}/spare", (string name, HttpContext http, OperatorState state, ExplainService explain, PlannedOperations ops) =>
            FormAction(http, form => form.GetValueOrDefault("spare").ToString() switch
                {
                    "true" => ops.SetSpareAsync(name, true, http.RequestAborted),
                    "false" => ops.SetSpareAsync(name, false, http.RequestAborted),
                    _ => Task.FromResult(new OperationResult(false, "bad-request", "spare must be true or false", null, 0)),
                },
                (message, code) => HostPage(http, name, state, explain, message, code)));
        app.MapPost("/hosts/{name}/readmit", (string name, HttpContext http, OperatorState state, ExplainService explain, PlannedOperations ops) =>
            FormAction(http, form => ops.ReadmitAsync(name, form.GetValueOrDefault("reason").ToString(), http.RequestAborted),
                (message, code) => HostPage(http, name, state, explain, message, code)));
        app.MapPost("/vms/{name}/migrate", (string name, HttpContext http, OperatorState state, ExplainService explain, PlannedOperations ops) =>
            FormAction(http, form => form.GetValueOrDefault("host").ToString() is { Length: > 0 } host
                ? ops.MigrateAsync(name, host, http.RequestAborted)
                : Task.FromResult(new OperationResult(false, "bad-request", "choose a host to move it to", null, 0)),
                (message, code) => VmPage(http, name, state, explain, message, code)));
        app.MapPost("/vms/{name}/ha", (string name, HttpContext http, OperatorState state, ExplainService explain, PlannedOperations ops) =>
            FormAction(http, form => ops.SetHaAsync(name, form.GetValueOrDefault("on") == "true", http.RequestAborted),
                (message, code) => VmPage(http, name, state, explain, message, code)));
        app.MapPost("/vms/{name}/priority", (string name, HttpContext http, OperatorState state, ExplainService explain, PlannedOperations ops) =>
            FormAction(http, form => OperatorEndpoints.ParsePriority(form.GetValueOrDefault("priority")) is { } p
                ? ops.SetPriorityAsync(name, p, http.RequestAborted)
                : Task.FromResult(new OperationResult(false, "bad-request", "priority must be high, medium, low or disabled", null, 0)),
                (message, code) => VmPage(http, name, state, explain, message, code)));
        LoginEndpoints.Map(app);
    }

    public static IResult Html(HttpContext http, string html, int status = 200)
    {
        http.Response.Headers.CacheControl = "no-store";
        return Results.Text(html, HtmlType, statusCode: status);
    }

    private static IResult Static(string text, string type) => Results.Text(text, type);

    private static IResult HostPage(HttpContext http, string name, OperatorState state, ExplainService explain, PageMessage? message, int status)
    {
        var viewer = OperatorAuth.ViewerOf(http);
        return state.Take(0).Host(name) is { } host
            ? Html(http, DetailPages.Host(host, explain.Host(name), viewer, message), status)
            : Html(http, DetailPages.NotFound($"No host named {name} is known to this appliance.", viewer), 404);
    }

    private static IResult VmPage(HttpContext http, string name, OperatorState state, ExplainService explain, PageMessage? message, int status)
    {
        var viewer = OperatorAuth.ViewerOf(http);
        var snapshot = state.Take(0);
        return snapshot.Vm(name) is { } vm
            ? Html(http, DetailPages.Vm(vm, explain.Vm(name), [.. snapshot.Status.Hosts.Where(h => h.State is "online" or "suspect" && !h.Spare).Select(h => h.Name)], viewer, message), status)
            : Html(http, DetailPages.NotFound($"No VM named {name} is known to this appliance.", viewer), 404);
    }

    /// <summary>Reads the form, checks origin and CSRF token, runs the operation and renders the page with its result.</summary>
    private static async Task<IResult> FormAction(HttpContext http, Func<Dictionary<string, StringValues>, Task<OperationResult>> operation, Func<PageMessage, int, IResult> render)
    {
        var session = OperatorAuth.SessionOf(http);
        var (form, error) = await PageForm.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (form is null)
        {
            return render(new PageMessage(false, error!), 400);
        }

        if (session is null || !PageForm.SameOrigin(http.Request) || !SessionStore.CsrfMatches(session, form.GetValueOrDefault("csrf")))
        {
            return Html(http, DetailPages.Notice("Refused", "The form was refused: it did not come from this appliance's page with your login's token (reload the page and try again).", OperatorAuth.ViewerOf(http)), 403);
        }

        var result = await operation(form).ConfigureAwait(false);
        return render(new PageMessage(result.Accepted, result.Message), OperatorEndpoints.StatusOf(result));
    }
}
