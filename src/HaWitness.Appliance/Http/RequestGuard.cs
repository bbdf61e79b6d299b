namespace HaWitness.Appliance.Http;

/// <summary>
/// Refuses what a browser can be tricked into sending before anything else looks at it. A request
/// that changes something (any method but GET and HEAD) is refused with 403 when the browser says
/// it comes from another site (<c>Sec-Fetch-Site: cross-site</c> or <c>same-site</c>) or its
/// <c>Origin</c> is not this host; on <c>/api/</c> it must be JSON (415 otherwise): a form or text
/// body is what a foreign page can send with the browser's cached Basic credentials without a
/// CORS preflight. Programs (the CLI, agents, curl) send neither header and are not affected.
/// </summary>
internal static class RequestGuard
{
    public static Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return next(http);
        }

        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site" || !PageForm.SameOrigin(request))
        {
            RequestLimits.CloseWithoutReading(http);
            return JsonBody.Error(403, "cross_site", "refused: this request came from another site's page (Origin or Sec-Fetch-Site); use the appliance's own page or a program").ExecuteAsync(http);
        }

        if (RequestLimits.IsUnder(request.Path, "/api") && !IsJsonOrEmpty(request))
        {
            RequestLimits.CloseWithoutReading(http);
            return JsonBody.Error(415, "unsupported_media_type", "changes take a JSON body: send it as application/json (or no body at all)").ExecuteAsync(http);
        }

        return next(http);
    }

    /// <summary>A JSON content type, or no body and no content type (the path-style routes).</summary>
    private static bool IsJsonOrEmpty(HttpRequest request)
    {
        string? type = request.ContentType;
        if (string.IsNullOrEmpty(type))
        {
            return request.ContentLength is null or 0 && string.IsNullOrEmpty(request.Headers.TransferEncoding);
        }

        return type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && (type.Length == "application/json".Length || type["application/json".Length] is ';' or ' ');
    }
}
