namespace HaWitness.Appliance.Http;

/// <summary>
/// Outermost middleware: security headers on every answer, and no stack trace or empty 500 ever:
/// a request Kestrel rejects (body too large, bad framing) becomes its 4xx with an error body,
/// anything unexpected becomes a logged 500 with a sentence.
/// </summary>
internal static partial class ResponseGuards
{
    private const string Csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Use(WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HaWitness.Appliance.Http");
        app.Use(async (http, next) =>
        {
            AddSecurityHeaders(http);
            try
            {
                await next(http).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
            {
                await JsonBody.Error(ex.StatusCode, "bad_request", ex.Message).ExecuteAsync(http).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // the client went away
            }
            catch (Exception ex) when (!http.Response.HasStarted)
            {
                LogFailed(log, http.Request.Method, http.Request.Path.Value ?? "/", ex);
                http.Response.Clear();
                await JsonBody.Error(500, "internal_error", $"the appliance failed on this request ({ex.GetType().Name}); the log has the details").ExecuteAsync(http).ConfigureAwait(false);
            }
        });
    }

    /// <summary>
    /// The security headers of every answer; also set by the request guard that runs before this
    /// middleware, so its 403, 415 and 429 answers carry them too.
    /// </summary>
    public static void AddSecurityHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        // same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with a
        // form POST, and the forms' same-origin check (PageForm.SameOrigin) must refuse that.
        headers["Referrer-Policy"] = "same-origin";
        if (!RequestLimits.IsUnder(http.Request.Path, "/api/v1/agents"))
        {
            headers.ContentSecurityPolicy = Csp;
            headers.XFrameOptions = "DENY";
        }
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogFailed(ILogger logger, string method, string path, Exception ex);
}
