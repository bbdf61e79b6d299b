using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace HaWitness.Operator.Client;

/// <summary>An answer from the appliance: HTTP status (0 when it could not be reached) and body.</summary>
/// <param name="Status">HTTP status code, or 0 when no answer came.</param>
/// <param name="Body">The body, or the reason no answer came.</param>
internal sealed record ApiAnswer(int Status, string Body)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>The <c>message</c> of an error body (or the raw body).</summary>
    public string Message
    {
        get
        {
            try
            {
                using var doc = JsonDocument.Parse(Body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var name in new[] { "message", "answer" })
                    {
                        if (doc.RootElement.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.String)
                        {
                            return m.GetString() ?? Body;
                        }
                    }
                }

                return Body.Trim();
            }
            catch (JsonException)
            {
                return Body.Trim();
            }
        }
    }
}

/// <summary>
/// The CLI's HTTP client for the operators' API. Sends the admin password as HTTP Basic
/// (<c>admin:PASSWORD</c>) when it has one; pins the appliance's certificate when given one.
/// Never throws for network failures: they come back as status 0.
/// </summary>
internal sealed class OperatorClient : IDisposable
{
    private readonly HttpClient _http;

    public OperatorClient(Uri baseUrl, string? password, string? pinnedCertificateFile, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (pinnedCertificateFile is not null)
        {
            using var pinned = X509Certificate2.CreateFromPem(File.ReadAllText(pinnedCertificateFile));
            byte[] expected = pinned.RawData;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetRawCertData().AsSpan().SequenceEqual(expected);
        }

        _http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = timeout };
        if (password is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));
        }
    }

    public Task<ApiAnswer> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public Task<ApiAnswer> PostAsync(string path, string json, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") }, cancellationToken);

    /// <summary>
    /// A POST whose successful answer is a file (the backup archive): its body is copied into
    /// <paramref name="destination"/> as it arrives; an error answer comes back as usual.
    /// </summary>
    public async Task<ApiAnswer> DownloadAsync(string path, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new ApiAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            }

            await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            return new ApiAnswer((int)response.StatusCode, string.Empty);
        }
        catch (HttpRequestException ex)
        {
            return new ApiAnswer(0, $"cannot reach the appliance at {_http.BaseAddress}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ApiAnswer(0, $"no answer from the appliance at {_http.BaseAddress} within {_http.Timeout.TotalSeconds:0} s");
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<ApiAnswer> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return new ApiAnswer((int)response.StatusCode, body);
            }
            catch (HttpRequestException ex)
            {
                return new ApiAnswer(0, $"cannot reach the appliance at {_http.BaseAddress}: {ex.Message}");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new ApiAnswer(0, $"no answer from the appliance at {_http.BaseAddress} within {_http.Timeout.TotalSeconds:0} s");
            }
        }
    }
}

/// <summary>
/// Exit codes of the operator commands (documented in the README): 0 done, 1 failed (unreachable,
/// server error, not the leader), 2 bad usage or a request the API called bad, 3 refused (409: the
/// HA logic said no, e.g. no room), 4 not found, 5 not authorised (no or wrong admin password, or
/// locked out for a while after failed logins).
/// </summary>
internal static class OperatorExit
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Refused = 3;
    public const int NotFound = 4;
    public const int Unauthorized = 5;

    public static int Of(ApiAnswer answer) => answer.Status switch
    {
        >= 200 and < 300 => Ok,
        400 or 413 or 415 => Usage,
        401 or 403 or 429 => Unauthorized,
        404 => NotFound,
        409 => Refused,
        _ => Failed,
    };
}
