using System.Net;

namespace HaWitness.Operator.Https;

/// <summary>
/// Where plain HTTP may be served. The admin password, the page's session cookie and the agents'
/// join token travel over these URLs, so an <c>http://</c> URL that other machines can reach is a
/// configuration error unless the operator says so explicitly (<c>Http:AllowPlainHttp</c>,
/// <c>serve --insecure-http</c>); then the log warns at start and the status page shows a banner.
/// Loopback stays plain HTTP by default: nothing leaves the machine, and <c>scripts/demo.sh</c>
/// and the embedded default (<c>http://127.0.0.1:8080</c>) keep working.
/// </summary>
internal sealed class ListenPolicy
{
    private ListenPolicy(IReadOnlyList<string> plainOffLoopback, bool allowed)
    {
        PlainOffLoopback = plainOffLoopback;
        Allowed = allowed;
    }

    /// <summary>The <c>http://</c> URLs other machines can reach.</summary>
    public IReadOnlyList<string> PlainOffLoopback { get; }

    /// <summary>Whether the operator allowed them (<c>Http:AllowPlainHttp</c>).</summary>
    public bool Allowed { get; }

    /// <summary>Whether secrets may cross the network in clear: the case the log and the page warn about.</summary>
    public bool Insecure => Allowed && PlainOffLoopback.Count > 0;

    /// <summary>Judges the ';'-separated <paramref name="urls"/>.</summary>
    public static ListenPolicy Evaluate(string urls, bool allowPlainHttp)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var plain = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(u))
            .ToList();
        return new ListenPolicy(plain, allowPlainHttp);
    }

    /// <summary>The configuration error (one line naming the fix), or null when the URLs may be served.</summary>
    public string? Problem()
    {
        if (Allowed || PlainOffLoopback.Count == 0)
        {
            return null;
        }

        string url = PlainOffLoopback[0];
        string https = "https://" + url["http://".Length..];
        return $"config: Urls has '{url}', plain HTTP that other machines reach: the admin password and the join token would cross the network in clear; "
            + $"use '{https}' (a self-signed certificate is made at first start; `hawitness join-token` prints its fingerprint for the agents), "
            + "or on a network you trust set Http:AllowPlainHttp=true (serve --insecure-http)";
    }

    /// <summary>The warning for the log and the page when plain HTTP off loopback was allowed, else null.</summary>
    public string? Warning() => Insecure
        ? $"plain HTTP off loopback ({string.Join(", ", PlainOffLoopback)}, allowed by Http:AllowPlainHttp): the admin password, sessions and the join token cross the network in clear; use https:// URLs"
        : null;

    /// <summary>Whether a URL's host is a loopback name or address (a wildcard, a host name or another address is not).</summary>
    internal static bool IsLoopback(string url)
    {
        // Kestrel's wildcards (*, +) are no URI hosts; they bind every address, so they are not loopback.
        string probe = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri))
        {
            return false;
        }

        string host = uri.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
