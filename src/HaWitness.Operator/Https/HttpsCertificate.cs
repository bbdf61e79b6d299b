using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaWitness.Core.Configuration;

namespace HaWitness.Operator.Https;

/// <summary>
/// The certificate for <c>https://</c> URLs: the configured PEM files, or a self-signed one made at
/// first start and kept in <c>DATA/https/</c> (ECDSA P-256, ten years, names: localhost, this
/// machine, and every address in <c>Urls</c>). Clients pin it by its SHA-256 fingerprint, which the
/// appliance logs at start (<c>hawitness status --cacert DATA/https/cert.pem</c> does that).
/// </summary>
internal static class HttpsCertificate
{
    public const string Directory = "https";

    public static (X509Certificate2 Certificate, bool Created) LoadOrCreate(HttpOptions options, string dataDirectory, string urls, TimeProvider time)
    {
        if (!string.IsNullOrEmpty(options.CertificateFile))
        {
            return (X509Certificate2.CreateFromPemFile(options.CertificateFile, string.IsNullOrEmpty(options.CertificateKeyFile) ? null : options.CertificateKeyFile), false);
        }

        string dir = Path.Combine(dataDirectory, Directory);
        string certFile = Path.Combine(dir, "cert.pem");
        string keyFile = Path.Combine(dir, "key.pem");
        if (File.Exists(certFile) && File.Exists(keyFile))
        {
            return (X509Certificate2.CreateFromPemFile(certFile, keyFile), false);
        }

        System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=HaWitness appliance " + Environment.MachineName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var address in Addresses(urls))
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        HaWitness.Cluster.Security.Pem.WriteSecret(keyFile, key.ExportPkcs8PrivateKeyPem()); // 0600 from creation, then renamed
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        return (X509Certificate2.CreateFromPemFile(certFile, keyFile), true);
    }

    /// <summary>The SHA-256 fingerprint as colon-separated hex, as browsers show it.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        Core.Configuration.Sha256Fingerprint.Format(certificate.GetCertHash(HashAlgorithmName.SHA256));

    /// <summary>Whether any of the ';'-separated URLs is https.</summary>
    public static bool Wanted(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<IPAddress> Addresses(string urls)
    {
        foreach (var part in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Uri.TryCreate(part, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)
                && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(ip))
            {
                yield return ip;
            }
        }
    }
}
