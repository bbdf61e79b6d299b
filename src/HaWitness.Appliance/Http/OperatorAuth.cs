using System.Globalization;
using HaWitness.Core.Configuration;
using HaWitness.Operator.Auth;
using HaWitness.Operator.Page;

namespace HaWitness.Appliance.Http;

/// <summary>
/// Who may do what, decided once per request before the endpoints run:
/// <list type="bullet">
/// <item>the agents' API (<c>/api/v1/agents/*</c>, own auth: join token, member key), <c>/healthz</c>, static assets and the login form pass;</item>
/// <item>every other POST needs the admin: on <c>/api/*</c> as HTTP Basic (user <c>admin</c>) or
/// <c>Authorization: Bearer PASSWORD</c>; on the page as a login session (its forms also carry the
/// session's CSRF token, checked by the form handlers);</item>
/// <item>reads are open when <c>Http:OpenRead</c> is true, else they need the admin too (the page
/// sends people to the login form).</item>
/// </list>
/// A wrong credential is a 401 and counts towards the address's lockout (429 while locked out);
/// while every password-hashing slot is taken the answer is 503 and nothing is counted.
/// </summary>
internal static class OperatorAuth
{
    public const string ViewerKey = "hawitness.viewer";
    public const string SessionKey = "hawitness.session";

    public static void Use(WebApplication app, HttpOptions options)
    {
        app.Use(async (http, next) =>
        {
            string path = http.Request.Path.Value ?? "/";
            if (path.StartsWith("/api/v1/agents/", StringComparison.Ordinal) || path is "/healthz" or "/login"
                || path.StartsWith("/static/", StringComparison.Ordinal))
            {
                http.Items[ViewerKey] = Viewer.Reader;
                await next(http).ConfigureAwait(false);
                return;
            }

            bool api = RequestLimits.IsUnder(http.Request.Path, "/api") || path == "/metrics";
            bool mutating = !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method);
            var gate = http.RequestServices.GetRequiredService<AdminGate>();
            var (verdict, retry) = await gate.CheckHeaderAsync(http.Request.Headers.Authorization, RequestLimits.SourceOf(http), http.RequestAborted).ConfigureAwait(false);
            if (verdict == GateVerdict.Busy)
            {
                http.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await JsonBody.Error(503, "busy", "the appliance is checking other passwords; retry in a second (nothing was counted against you)").ExecuteAsync(http).ConfigureAwait(false);
                return;
            }

            if (verdict == GateVerdict.Throttled)
            {
                http.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await JsonBody.Error(429, "locked_out", $"too many failed logins from this address; try again in {Math.Ceiling(retry.TotalSeconds)} s").ExecuteAsync(http).ConfigureAwait(false);
                return;
            }

            if (verdict == GateVerdict.Wrong)
            {
                await Unauthorized(http, "wrong admin credential (HTTP Basic with user 'admin', or Authorization: Bearer PASSWORD)").ConfigureAwait(false);
                return;
            }

            Session? session = null;
            if (!api)
            {
                session = http.RequestServices.GetRequiredService<SessionStore>().Find(http.Request.Cookies[SessionStore.CookieName]);
                if (session is not null)
                {
                    http.Items[SessionKey] = session;
                }
            }

            bool admin = verdict == GateVerdict.Admin || session is not null;
            http.Items[ViewerKey] = session is not null ? new Viewer(true, session.Csrf) : Viewer.Reader;
            if (mutating && !(api ? verdict == GateVerdict.Admin : session is not null))
            {
                if (api)
                {
                    await Unauthorized(http, "this call changes the cluster: it needs the admin password (HTTP Basic with user 'admin', or Authorization: Bearer PASSWORD)").ConfigureAwait(false);
                }
                else
                {
                    await Results.Text(LoginPage.Required(), "text/html; charset=utf-8", statusCode: 401).ExecuteAsync(http).ConfigureAwait(false);
                }

                return;
            }

            if (!mutating && !admin && !options.OpenRead)
            {
                if (api)
                {
                    await Unauthorized(http, "reads need the admin password on this appliance (Http:OpenRead is false)").ConfigureAwait(false);
                }
                else
                {
                    http.Response.Redirect("/login?return=" + Uri.EscapeDataString(path));
                }

                return;
            }

            await next(http).ConfigureAwait(false);
        });
    }

    public static Viewer ViewerOf(HttpContext http) => http.Items[ViewerKey] as Viewer ?? Viewer.Reader;

    public static Session? SessionOf(HttpContext http) => http.Items[SessionKey] as Session;

    public static string Remote(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static Task Unauthorized(HttpContext http, string message)
    {
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"hawitness\", charset=\"UTF-8\"";
        return JsonBody.Error(401, "unauthorized", message).ExecuteAsync(http);
    }
}
