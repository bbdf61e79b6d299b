using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HaWitness.Cluster.Security;

/// <summary>
/// The cluster's certificate authority, kept by the appliance (<c>ca.key</c>, <c>ca.crt</c> in its
/// data directory, mode 0600). It signs every member's certificate at join; members accept a TLS
/// peer only if its certificate chains to this CA and its identity is not revoked.
/// </summary>
public sealed class ClusterCa : IDisposable
{
    private readonly X509Certificate2 _ca;

    private ClusterCa(X509Certificate2 ca) => _ca = ca;

    /// <summary>The CA certificate (public part), PEM.</summary>
    public string CertificatePem => _ca.ExportCertificatePem();

    /// <summary>The CA certificate (public part).</summary>
    public X509Certificate2 Certificate => X509CertificateLoader.LoadCertificate(_ca.RawData);

    /// <summary>Loads the CA from <paramref name="directory"/>, creating it on first use.</summary>
    public static ClusterCa LoadOrCreate(string directory)
    {
        string crt = Path.Combine(directory, "ca.crt");
        string key = Path.Combine(directory, "ca.key");
        if (File.Exists(crt) && File.Exists(key))
        {
            return new ClusterCa(Pem.LoadWithKey(crt, key));
        }

        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN=HaWitness cluster CA {Guid.NewGuid():N}", ecdsa, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        using var ca = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(30));
        Pem.WriteSecret(key, ecdsa.ExportPkcs8PrivateKeyPem());
        Pem.WriteSecret(crt, ca.ExportCertificatePem());
        return new ClusterCa(Pem.LoadWithKey(crt, key));
    }

    /// <summary>
    /// Signs a member's certificate signing request (PEM). The request's own signature is verified
    /// (the member proves it holds the key). The certificate names the member, its Raft address and
    /// its role (<see cref="MemberBinding"/>): a host's certificate makes it a standby member only.
    /// </summary>
    /// <exception cref="CryptographicException">The request is malformed or its signature is wrong.</exception>
    public X509Certificate2 Issue(string csrPem, string memberName, IPEndPoint raftEndPoint, MemberRole role)
    {
        ArgumentNullException.ThrowIfNull(raftEndPoint);
        var req = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        // Replace whatever the requester asked for with what we grant.
        var granted = new CertificateRequest(new X500DistinguishedName($"CN={memberName}"), req.PublicKey, HashAlgorithmName.SHA256);
        granted.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        granted.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        granted.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(memberName);
        san.AddIpAddress(raftEndPoint.Address);
        granted.CertificateExtensions.Add(san.Build());
        granted.CertificateExtensions.Add(new MemberBinding(role, memberName, raftEndPoint).ToExtension());
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return granted.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10), serial);
    }

    /// <inheritdoc />
    public void Dispose() => _ca.Dispose();
}
