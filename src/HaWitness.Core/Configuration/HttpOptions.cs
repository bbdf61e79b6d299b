namespace HaWitness.Core.Configuration;

/// <summary>
/// The operators' side of the HTTP server (section <c>Http</c>): who may read, where the HTTPS
/// certificate comes from, how long a page login lasts. The agents' API keeps its own auth (join
/// token, member key) and is not affected by any of these.
/// </summary>
public sealed class HttpOptions
{
    /// <summary>
    /// Whether the status page, <c>/api/v1</c> reads and <c>/metrics</c> are open without a login
    /// (a management network). Every mutating call needs the admin credential either way.
    /// </summary>
    public bool OpenRead { get; set; } = true;

    /// <summary>
    /// Whether a plain <c>http://</c> URL off loopback is allowed (<c>serve --insecure-http</c>). Off by
    /// default: the admin password and the join token would cross the network in clear. When on, the
    /// log warns at start and the status page shows a banner.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>
    /// PEM certificate for <c>https://</c> URLs in <c>Urls</c>. Empty: a self-signed certificate is
    /// generated at first start and kept in <c>DATA/https/</c>.
    /// </summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/> (empty: the key is in the certificate file).</summary>
    public string? CertificateKeyFile { get; set; }

    /// <summary>How long a page login lasts without use, in minutes.</summary>
    public int SessionMinutes { get; set; } = 720;

    /// <summary>Checks the values; returns the first problem as one line, or null.</summary>
    public string? Validate()
    {
        if (SessionMinutes is < 5 or > 10_080)
        {
            return $"Http:SessionMinutes = {SessionMinutes} is out of range; allowed 5..10080 minutes";
        }

        if (!string.IsNullOrEmpty(CertificateKeyFile) && string.IsNullOrEmpty(CertificateFile))
        {
            return "Http:CertificateKeyFile is set without Http:CertificateFile; set both, or neither for a self-signed certificate";
        }

        foreach (var (key, value) in new[] { ("Http:CertificateFile", CertificateFile), ("Http:CertificateKeyFile", CertificateKeyFile) })
        {
            if (!string.IsNullOrEmpty(value) && value.Any(char.IsControl))
            {
                return $"{key} contains control characters; a plain path is required";
            }
        }

        return null;
    }
}
