using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace HaWitness.Appliance.Http;

/// <summary>Reads a small <c>application/x-www-form-urlencoded</c> body with a size limit; every bad body is a value, not an exception.</summary>
internal static class PageForm
{
    public const int MaxBytes = 8 * 1024;

    public static async Task<(Dictionary<string, StringValues>? Form, string? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!(request.ContentType ?? string.Empty).StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "send the form as application/x-www-form-urlencoded");
        }

        if (request.ContentLength > MaxBytes)
        {
            return (null, $"the form is larger than {MaxBytes} bytes");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, $"the form is larger than {MaxBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        string text = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        return (QueryHelpers.ParseQuery(text), null);
    }

    /// <summary>False when the browser says the form came from another origin (defence in depth beside the CSRF token).</summary>
    public static bool SameOrigin(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        return string.IsNullOrEmpty(origin)
            || Uri.TryCreate(origin, UriKind.Absolute, out var o) && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
