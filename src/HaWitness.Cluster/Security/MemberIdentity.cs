using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HaWitness.Cluster.Security;

/// <summary>
/// A member's long-lived key pair (<c>member.key</c>, 0600) and the certificate the cluster CA
/// issued for it (<c>member.crt</c>). The key never leaves the member: it sends a signing request.
/// </summary>
public sealed class MemberIdentity : IDisposable
{
    private readonly ECDsa _key;
    private readonly string _directory;

    private MemberIdentity(ECDsa key, string directory)
    {
        _key = key;
        _directory = directory;
    }

    /// <summary>Loads the key from <paramref name="directory"/>, creating it on first use.</summary>
    public static MemberIdentity LoadOrCreate(string directory)
    {
        string path = Path.Combine(directory, "member.key");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            Pem.WriteSecret(path, key.ExportPkcs8PrivateKeyPem());
        }

        return new MemberIdentity(key, directory);
    }

    /// <summary>A PKCS#10 signing request for this key (the CA decides the name and extensions).</summary>
    public string CreateSigningRequestPem(string name) =>
        new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    /// <summary>Stores the issued certificate and the cluster CA's.</summary>
    public void SaveCertificates(string memberCertPem, string caCertPem)
    {
        Pem.WriteSecret(Path.Combine(_directory, "member.crt"), memberCertPem);
        Pem.WriteSecret(Path.Combine(_directory, "ca.crt"), caCertPem);
    }

    /// <summary>True once a certificate was issued and stored.</summary>
    public bool HasCertificate => File.Exists(Path.Combine(_directory, "member.crt")) && File.Exists(Path.Combine(_directory, "ca.crt"));

    /// <summary>The member certificate with its private key.</summary>
    public X509Certificate2 Certificate() => Pem.WithKey(File.ReadAllText(Path.Combine(_directory, "member.crt")), _key);

    /// <summary>The cluster CA certificate.</summary>
    public X509Certificate2 ClusterCa() => X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_directory, "ca.crt"));

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
