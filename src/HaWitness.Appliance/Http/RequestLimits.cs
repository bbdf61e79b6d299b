using System.Globalization;
using System.Threading.RateLimiting;
using HaWitness.Cluster.Quorum;

namespace HaWitness.Appliance.Http;

/// <summary>
/// Bounds on what a request may cost before anyone is authenticated: Kestrel's connection,
/// header and body limits, a per-address rate limit on the routes that need no credential
/// (<c>POST /api/v1/agents/join</c>, <c>POST /login</c>), and <see cref="RequestGuard"/> in front
/// of everything. One call from the host setup, apart from the HTTPS and listen configuration.
/// </summary>
internal static class RequestLimits
{
    /// <summary>Connections Kestrel holds at once; one per agent and a few operators need far fewer.</summary>
    public const int MaxConnections = 1024;

    /// <summary>Largest body of any route but the heartbeat, which raises its own limit once the caller is authenticated.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Requests to the credential-less routes an address may burst; it gets <see cref="RefillPerMinute"/> more a minute.</summary>
    public const int BurstPerAddress = 20;

    /// <summary>Tokens an address earns back a minute on the credential-less routes.</summary>
    public const int RefillPerMinute = 20;

    /// <summary>Time a client has to send its request headers.</summary>
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(10);

    public static void Apply(WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxConcurrentConnections = MaxConnections;
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            k.Limits.RequestHeadersTimeout = HeadersTimeout;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestHeaderCount = 64;
            k.Limits.Http2.MaxStreamsPerConnection = 16;
        });
        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(PartitionOf);
            o.OnRejected = async (context, _) =>
            {
                var http = context.HttpContext;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                {
                    http.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                }

                await JsonBody.Error(429, "rate_limited", "too many requests from this address to a route without credentials; wait and retry").ExecuteAsync(http).ConfigureAwait(false);
            };
        });
        builder.Services.AddSingleton<IStartupFilter, RequestLimitsStartup>();
    }

    /// <summary>Lets an authenticated heartbeat send a report up to <see cref="HeartbeatService.MaxReportBytes"/>.</summary>
    public static void AllowBody(HttpContext http, long maxBytes)
    {
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
    }

    /// <summary>Answers without reading the body, and closes the connection so that Kestrel does not read (drain) it either.</summary>
    public static void CloseWithoutReading(HttpContext http) => http.Response.Headers.Connection = "close";

    private static RateLimitPartition<string> PartitionOf(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !(IsRoute(http.Request.Path, "/api/v1/agents/join") || IsRoute(http.Request.Path, "/login")))
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        return RateLimitPartition.GetTokenBucketLimiter(SourceOf(http), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = BurstPerAddress,
            TokensPerPeriod = RefillPerMinute / 4,
            ReplenishmentPeriod = TimeSpan.FromSeconds(15),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>
    /// Whether <paramref name="path"/> is the route <paramref name="route"/> as routing will match it:
    /// these checks run before routing, which ignores case and a trailing slash, so they must too
    /// (else <c>/Login/</c> would reach the login route around its limit).
    /// </summary>
    internal static bool IsRoute(PathString path, string route) =>
        string.Equals((path.Value ?? "/").TrimEnd('/'), route, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="path"/> is under <paramref name="prefix"/> as routing sees it (any case).</summary>
    internal static bool IsUnder(PathString path, string prefix) => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The address a limit applies to: IPv4 as is, IPv6 by its /64 (one host usually owns a whole /64).</summary>
    internal static string SourceOf(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new System.Net.IPAddress(bytes).ToString() + "/64";
    }
}
