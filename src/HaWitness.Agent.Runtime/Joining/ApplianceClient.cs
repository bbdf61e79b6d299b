using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Join;

namespace HaWitness.Agent.Runtime.Joining;

/// <summary>The agent's HTTP client for the appliance's agent API. Failures come back as values.</summary>
public sealed class ApplianceClient : IApplianceLink, IDisposable
{
    /// <summary>The error code of a refused appliance certificate: retrying will not fix it.</summary>
    public const string CertificateRefused = "certificate_refused";

    private readonly HttpClient _http;
    private readonly CertificatePin _pin;

    /// <summary>
    /// Talks to the appliance at <paramref name="witness"/>; over https, only to one whose certificate
    /// has the SHA-256 <paramref name="pinnedFingerprint"/> (null: one the system trusts).
    /// </summary>
    public ApplianceClient(Uri witness, string? pinnedFingerprint = null)
    {
        _pin = new CertificatePin(pinnedFingerprint);
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        handler.SslOptions.RemoteCertificateValidationCallback = _pin.Validate;
        _http = new HttpClient(handler)
        {
            BaseAddress = witness,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>POST /api/v1/agents/join.</summary>
    public Task<ApiResult<JoinResponse>> JoinAsync(JoinRequest request, TimeSpan timeout, CancellationToken ct) =>
        PostAsync("/api/v1/agents/join", request, AgentApiJson.Default.JoinRequest, AgentApiJson.Default.JoinResponse, null, null, timeout, ct);

    /// <summary>POST /api/v1/agents/admit.</summary>
    public Task<ApiResult<AdmitResponse>> AdmitAsync(AdmitRequest request, string memberKey, TimeSpan timeout, CancellationToken ct) =>
        PostAsync("/api/v1/agents/admit", request, AgentApiJson.Default.AdmitRequest, AgentApiJson.Default.AdmitResponse, memberKey, null, timeout, ct);

    /// <summary>POST /api/v1/agents/heartbeat; the name also goes in a header, so the appliance authenticates before it reads the report.</summary>
    public Task<ApiResult<HeartbeatResponse>> HeartbeatAsync(HeartbeatRequest request, string memberKey, TimeSpan timeout, CancellationToken ct) =>
        PostAsync("/api/v1/agents/heartbeat", request, AgentApiJson.Default.HeartbeatRequest, AgentApiJson.Default.HeartbeatResponse, memberKey, request?.Name, timeout, ct);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<ApiResult<TRes>> PostAsync<TReq, TRes>(string path, TReq body, JsonTypeInfo<TReq> reqType, JsonTypeInfo<TRes> resType,
        string? bearer, string? member, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, reqType) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (member is not null)
        {
            request.Headers.Add(AgentApiHeaders.Member, member);
        }

        try
        {
            using var response = await _http.SendAsync(request, cts.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync(resType, cts.Token).ConfigureAwait(false);
                return value is null ? ApiResult<TRes>.Fail(502, "empty", "empty answer") : ApiResult<TRes>.Ok(value);
            }

            string text = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
            string error = "http_" + (int)response.StatusCode;
            string message = text;
            try
            {
                using var doc = JsonDocument.Parse(text);
                error = doc.RootElement.GetProperty("error").GetString() ?? error;
                message = doc.RootElement.GetProperty("message").GetString() ?? message;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                // Not our error body: keep the raw text.
            }

            return ApiResult<TRes>.Fail((int)response.StatusCode, error, message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ApiResult<TRes>.Fail(0, "timeout", $"no answer from the appliance within {timeout.TotalMilliseconds:F0} ms");
        }
        catch (HttpRequestException ex) when (ex.InnerException is System.Security.Authentication.AuthenticationException && _pin.LastRefusal is { } refusal)
        {
            return ApiResult<TRes>.Fail(0, CertificateRefused, refusal);
        }
        catch (HttpRequestException ex)
        {
            return ApiResult<TRes>.Fail(0, "unreachable", ex.Message);
        }
        catch (JsonException ex)
        {
            return ApiResult<TRes>.Fail(502, "bad_answer", ex.Message);
        }
    }
}
