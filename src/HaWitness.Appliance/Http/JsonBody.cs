using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HaWitness.Core.Status;

namespace HaWitness.Appliance.Http;

/// <summary>
/// Reads a JSON request body with a size limit and turns every kind of bad body into a 4xx with a
/// sentence, never a 500.
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength is > 0 and var length && length > maxBytes)
        {
            request.HttpContext.Response.Headers.Connection = "close"; // refused unread: do not let Kestrel drain it either
            return (null, Error(413, "body_too_large", $"the body is larger than {maxBytes} bytes"));
        }

        if (!(request.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Error(415, "unsupported_media_type", "send the body as application/json"));
        }

        using var buffer = new MemoryStream();
        var bodyBuffer = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(bodyBuffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, Error(413, "body_too_large", $"the body is larger than {maxBytes} bytes"));
            }

            buffer.Write(bodyBuffer, 0, read);
        }

        try
        {
            var value = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type);
            return value is null ? (null, Error(400, "malformed_json", "the body is empty or null")) : (value, null);
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : string.Empty;
            return (null, Error(400, "malformed_json", $"the body is not valid JSON for this call{where}: {ex.Message.Split('.')[0]}"));
        }
    }

    public static IResult Error(int status, string error, string message) =>
        Results.Json(new ErrorBody(error, message), HaWitnessJson.Default.ErrorBody, statusCode: status);
}
