using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using HaWitness.Core.Journal;
using HaWitness.Operator.Auth;
using HaWitness.Operator.Page;

namespace HaWitness.Appliance.Http;

/// <summary>
/// <c>GET/POST /login</c> and <c>POST /logout</c>. The login form is protected by a double-submit
/// token (a random value in an HttpOnly, SameSite=Strict cookie scoped to <c>/login</c> and in a
/// hidden field); a good password starts a session whose cookie is HttpOnly, SameSite=Strict,
/// and Secure when the page came over HTTPS. Failures are throttled and journaled by <see cref="AdminGate"/>.
/// </summary>
internal static class LoginEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/login", (HttpContext http) => Form(http, null, ReturnTo(http.Request.Query["return"]), 200));

        app.MapPost("/login", async (HttpContext http, AdminGate gate, SessionStore sessions, JournalStore journal) =>
        {
            var (form, error) = await PageForm.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
            if (form is null)
            {
                return Form(http, error, "/", 400);
            }

            string returnTo = ReturnTo(form.GetValueOrDefault("return"));
            string? cookie = http.Request.Cookies[LoginPage.CookieName];
            string presented = form.GetValueOrDefault("csrf").ToString();
            if (cookie is null || !PageForm.SameOrigin(http.Request)
                || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(presented)))
            {
                return Form(http, "The login form expired; try again.", returnTo, 403);
            }

            string remote = RequestLimits.SourceOf(http); // the throttle's key: an IPv6 host owns its whole /64
            var (verdict, retry) = await gate.CheckPasswordAsync(form.GetValueOrDefault("password").ToString(), remote, "page", http.RequestAborted).ConfigureAwait(false);
            switch (verdict)
            {
                case GateVerdict.Admin:
                    var (id, _) = sessions.Create();
                    http.Response.Cookies.Append(SessionStore.CookieName, id, new CookieOptions
                    {
                        HttpOnly = true,
                        SameSite = SameSiteMode.Strict,
                        Secure = http.Request.IsHttps,
                        Path = "/",
                    });
                    http.Response.Cookies.Delete(LoginPage.CookieName, new CookieOptions { Path = "/login" });
                    journal.RecordEvent(AdminGate.DecisionKind, Subjects.Cluster, $"admin logged in on the page from {remote}");
                    return Results.Redirect(returnTo);
                case GateVerdict.Busy:
                    http.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                    return Form(http, "The appliance is busy checking other logins; try again in a second.", returnTo, 503);
                case GateVerdict.Throttled:
                    http.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                    return Form(http, $"Too many failed logins from this address: try again in {Math.Ceiling(retry.TotalSeconds)} s.", returnTo, 429);
                default:
                    return Form(http, retry > TimeSpan.Zero
                        ? $"Wrong password. Further attempts from this address wait {Math.Ceiling(retry.TotalSeconds)} s."
                        : "Wrong password.", returnTo, 401);
            }
        });

        app.MapPost("/logout", async (HttpContext http, SessionStore sessions) =>
        {
            var session = OperatorAuth.SessionOf(http);
            var (form, _) = await PageForm.ReadAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
            if (session is null || form is null || !SessionStore.CsrfMatches(session, form.GetValueOrDefault("csrf")))
            {
                return PageEndpoints.Html(http, LoginPage.Required(), 403);
            }

            sessions.Remove(http.Request.Cookies[SessionStore.CookieName]);
            http.Response.Cookies.Delete(SessionStore.CookieName, new CookieOptions { Path = "/" });
            return Results.Redirect("/");
        });
    }

    private static IResult Form(HttpContext http, string? error, string returnTo, int status)
    {
        string token = SessionStore.Token();
        http.Response.Cookies.Append(LoginPage.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/login",
        });
        return PageEndpoints.Html(http, LoginPage.Render(token, error, returnTo), status);
    }

    /// <summary>Only a path on this site (no scheme, no <c>//host</c>): an open redirect would help phishing.</summary>
    private static string ReturnTo(string? value) =>
        value is { Length: > 0 and < 500 } v && v[0] == '/' && !v.StartsWith("//", StringComparison.Ordinal) && !v.Contains('\\', StringComparison.Ordinal)
            && !v.Any(char.IsControl)
            ? v
            : "/";
}
