using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HaWitness.Cluster.Security;

/// <summary>
/// Accepts a TLS peer only if its certificate chains to the cluster CA (and nothing else: the
/// system's roots are not trusted here) and its identity is not revoked.
/// </summary>
public sealed class PeerValidator
{
    private readonly X509Certificate2 _ca;
    private readonly Func<string, bool> _isRevoked;

    /// <summary>Creates the validator over the cluster CA and a revocation check (identity → revoked).</summary>
    public PeerValidator(X509Certificate2 ca, Func<string, bool> isRevoked)
    {
        _ca = ca;
        _isRevoked = isRevoked;
    }

    /// <summary>How many peers were refused (for tests and metrics).</summary>
    public int Refused => Volatile.Read(ref _refused);

    private int _refused;

    /// <summary>The last refusal's reason.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>The TLS callback.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is not X509Certificate2 cert)
        {
            return Refuse("no certificate");
        }

        using var ownChain = new X509Chain();
        ownChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        ownChain.ChainPolicy.CustomTrustStore.Add(_ca);
        ownChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        ownChain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (!ownChain.Build(cert))
        {
            return Refuse($"certificate {cert.Subject} is not signed by the cluster CA");
        }

        string identity = Pem.Identity(cert);
        if (_isRevoked(identity))
        {
            return Refuse($"certificate {cert.Subject} ({identity[..12]}) is revoked");
        }

        return true;
    }

    /// <summary>Called with the reason of every refusal (the appliance journals them, at most once a minute per reason).</summary>
    public Action<string>? OnRefused { get; set; }

    private bool Refuse(string reason)
    {
        Interlocked.Increment(ref _refused);
        LastRefusal = reason;
        OnRefused?.Invoke(reason);
        return false;
    }
}
