using System.Net;
using System.Security.Cryptography.X509Certificates;
using HaWitness.Cluster.Join;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace HaWitness.Agent.Runtime.Probe;

/// <summary>
/// Answers peers' isolation probes over HTTPS with mutual TLS (cluster certificates only): do I
/// hear a leader (is my lease valid), and how new is my view of the voters.
/// </summary>
public sealed class ProbeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProbeServer(WebApplication app) => _app = app;

    /// <summary>Starts listening on <paramref name="endPoint"/>.</summary>
    public static async Task<ProbeServer> StartAsync(IPEndPoint endPoint, X509Certificate2 certificate, PeerValidator validator, AgentState state, IAgentReplica node, ILoggerFactory loggers, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Services.AddSingleton(loggers);
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endPoint, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (cert, chain, errors) => validator.Validate(endPoint, cert, chain, errors),
            SslProtocols = System.Security.Authentication.SslProtocols.Tls13,
        })));
        var app = builder.Build();
        RequestDelegate probe = context =>
            context.Response.WriteAsJsonAsync(Answer(state, node), AgentApiJson.Default.ProbeResponse, cancellationToken: context.RequestAborted);
        app.MapGet("/probe", probe);
        await app.StartAsync(ct).ConfigureAwait(false);
        return new ProbeServer(app);
    }

    /// <summary>
    /// This agent's answer to a peer's probe: whether it heard a leader within the claim window
    /// (and has not fenced itself), with the voter count of the view it applied.
    /// </summary>
    public static ProbeResponse Answer(AgentState state, IAgentReplica replica)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(replica);
        var view = replica.View;
        int voters = 1 + view.Hosts.Values.Count(h => h.Voter && h.Phase != HostPhase.Removed);
        return new ProbeResponse(state.Options.Name, state.Lease.LeaderRecent && !state.SelfFenced, replica.AppliedIndex, voters);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
