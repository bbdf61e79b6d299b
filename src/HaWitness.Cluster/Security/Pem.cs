using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HaWitness.Cluster.Security;

/// <summary>PEM files holding secrets: written 0600, atomically.</summary>
public static class Pem
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> readable by the owner only.</summary>
    public static void WriteSecret(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        string tmp = path + ".tmp";
        using (var f = new FileStream(tmp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var w = new StreamWriter(f))
        {
            w.Write(text);
            w.Flush();
            f.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Loads a certificate with its ECDSA private key, usable by SslStream on both sides.</summary>
    public static X509Certificate2 LoadWithKey(string certPath, string keyPath)
    {
        using var loaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        // Round-trip through PKCS#12 so the key is a persisted one that TLS servers accept.
        return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Combines a certificate PEM with an ECDSA key the caller holds.</summary>
    public static X509Certificate2 WithKey(string certPem, ECDsa key)
    {
        using var pub = X509Certificate2.CreateFromPem(certPem);
        using var withKey = pub.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// The identity of a member: SHA-256 of its public key (SubjectPublicKeyInfo), lowercase hex.
    /// It survives re-issuing the certificate for the same key (a re-join), not a new key.
    /// </summary>
    public static string Identity(X509Certificate2 cert)
    {
        ArgumentNullException.ThrowIfNull(cert);
        return Convert.ToHexStringLower(SHA256.HashData(cert.PublicKey.ExportSubjectPublicKeyInfo()));
    }
}
