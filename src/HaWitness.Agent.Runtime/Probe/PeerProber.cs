using System.Net.Http.Json;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Security;

namespace HaWitness.Agent.Runtime.Probe;

/// <summary>Asks every peer, in parallel and within the probe timeout, whether it hears a leader.</summary>
public sealed class PeerProber : IPeerProber, IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates the prober with this member's certificate (mutual TLS).</summary>
    public PeerProber(X509Certificate2 certificate, PeerValidator validator)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            SslOptions =
            {
                ClientCertificates = [certificate],
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate,
                RemoteCertificateValidationCallback = validator.Validate,
                EnabledSslProtocols = SslProtocols.Tls13,
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Probes <paramref name="peers"/> (name → <c>IP:PORT</c>); unreachable within the timeout counts as unreachable.</summary>
    public async Task<IReadOnlyList<(PeerAnswer Answer, long Index, int Voters)>> ProbeAsync(IReadOnlyDictionary<string, string> peers, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(peers);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var tasks = peers.Select(async p =>
        {
            try
            {
                var r = await _http.GetFromJsonAsync(new Uri($"https://{p.Value}/probe"), AgentApiJson.Default.ProbeResponse, cts.Token).ConfigureAwait(false);
                return r is null
                    ? (new PeerAnswer(p.Key, false, false), 0L, 0)
                    : (new PeerAnswer(p.Key, true, r.LeaseValid, r.AppliedIndex, r.Voters), r.AppliedIndex, r.Voters);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
            {
                ct.ThrowIfCancellationRequested();
                return (new PeerAnswer(p.Key, false, false), 0L, 0);
            }
        });
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
