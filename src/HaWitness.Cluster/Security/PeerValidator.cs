using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HaWitness.Cluster.Security;

/// <summary>
/// Decides which TLS peers are members. Every check starts with the chain: the certificate must be
/// signed by the cluster CA (the system's roots are not trusted here) and its identity not revoked.
/// On Raft connections the certificate's binding (<see cref="MemberBinding"/>) decides more:
/// <list type="bullet">
/// <item>Inbound (someone connects to our Raft port): only an appliance may. Raft requests
/// (entries, votes, pre-votes, snapshots) come only from a leader or a candidate, and a host is a
/// standby member that is never either; so a host certificate opening a Raft connection is an
/// attack (or a modified agent) and is refused before any message is read.</item>
/// <item>Outbound (we connect to a member's endpoint): the peer must present the certificate bound
/// to that endpoint: the identity the appliance issued to the host registered (or being admitted)
/// there, or an appliance certificate naming that endpoint. A host cannot answer for another.</item>
/// </list>
/// </summary>
public sealed class PeerValidator
{
    private readonly X509Certificate2 _ca;
    private readonly Func<string, bool> _isRevoked;
    private readonly Func<IPEndPoint, string?> _identityAt;
    private int _refused;

    /// <summary>
    /// Creates the validator over the cluster CA, a revocation check (identity → revoked) and the
    /// identity bound to a host's Raft endpoint (null when no host is bound there).
    /// </summary>
    public PeerValidator(X509Certificate2 ca, Func<string, bool> isRevoked, Func<IPEndPoint, string?>? identityAt = null)
    {
        _ca = ca;
        _isRevoked = isRevoked;
        _identityAt = identityAt ?? (_ => null);
    }

    /// <summary>How many peers were refused (for tests and metrics).</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>The last refusal's reason.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>Called with the reason of every refusal (the appliance journals them, aggregated).</summary>
    public Action<string>? OnRefused { get; set; }

    /// <summary>The TLS callback for connections between members that carry no Raft traffic (peer probes): chain and revocation only.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        Member(certificate) is not null;

    /// <summary>The TLS callback of the Raft server: only an appliance may open a Raft connection.</summary>
    public bool ValidateRaftInbound(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (Member(certificate) is not { } cert)
        {
            return false;
        }

        var binding = BindingOf(cert);
        if (binding.Role != MemberRole.Appliance)
        {
            return Refuse($"host certificate {cert.GetNameInfo(X509NameType.SimpleName, false)} ({Pem.Identity(cert)[..12]}) opened a Raft connection: " +
                "hosts are standby members and never send entries, votes or snapshots");
        }

        return true;
    }

    /// <summary>The TLS callback for a Raft connection we open to <paramref name="server"/>.</summary>
    public RemoteCertificateValidationCallback RaftOutboundFor(EndPoint server) =>
        (_, certificate, _, _) => ValidateRaftOutbound(server, certificate);

    private bool ValidateRaftOutbound(EndPoint server, X509Certificate? certificate)
    {
        if (Member(certificate) is not { } cert)
        {
            return false;
        }

        var binding = BindingOf(cert);
        if (binding.Role == MemberRole.Appliance)
        {
            // An appliance names its own endpoint; a certificate from before bindings existed names none.
            return binding.RaftEndPoint is null || Equals(binding.RaftEndPoint, server)
                || Refuse($"appliance certificate bound to {binding.RaftEndPoint} answered at {server}");
        }

        if (server is not IPEndPoint ep || _identityAt(ep) is not { } expected)
        {
            return Refuse($"{server} answered with host certificate {cert.GetNameInfo(X509NameType.SimpleName, false)}, but no host is bound to that endpoint");
        }

        string identity = Pem.Identity(cert);
        if (!string.Equals(identity, expected, StringComparison.Ordinal))
        {
            return Refuse($"{server} answered with the certificate of {cert.GetNameInfo(X509NameType.SimpleName, false)} ({identity[..12]}), not the one issued for that endpoint ({expected[..Math.Min(12, expected.Length)]})");
        }

        return binding.RaftEndPoint is null || Equals(binding.RaftEndPoint, ep)
            || Refuse($"host certificate bound to {binding.RaftEndPoint} answered at {server}");
    }

    /// <summary>The certificate if it chains to the cluster CA and is not revoked; otherwise refused.</summary>
    private X509Certificate2? Member(X509Certificate? certificate)
    {
        if (certificate is not X509Certificate2 cert)
        {
            Refuse("no certificate");
            return null;
        }

        using var ownChain = new X509Chain();
        ownChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        ownChain.ChainPolicy.CustomTrustStore.Add(_ca);
        ownChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        ownChain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (!ownChain.Build(cert))
        {
            Refuse($"certificate {cert.Subject} is not signed by the cluster CA");
            return null;
        }

        string identity = Pem.Identity(cert);
        if (_isRevoked(identity))
        {
            Refuse($"certificate {cert.Subject} ({identity[..12]}) is revoked");
            return null;
        }

        return cert;
    }

    /// <summary>
    /// The role and endpoint a certificate is bound to. Certificates issued before bindings existed
    /// carry none: the appliance's own was always named <c>appliance</c> (and is re-issued at every
    /// start), every other one is a host's.
    /// </summary>
    private static (MemberRole Role, IPEndPoint? RaftEndPoint) BindingOf(X509Certificate2 cert)
    {
        if (MemberBinding.TryRead(cert, out var binding))
        {
            return (binding.Role, binding.RaftEndPoint);
        }

        return cert.Extensions[MemberBinding.Oid] is null && cert.GetNameInfo(X509NameType.SimpleName, false) == "appliance"
            ? (MemberRole.Appliance, null)
            : (MemberRole.Host, null);
    }

    private bool Refuse(string reason)
    {
        Interlocked.Increment(ref _refused);
        LastRefusal = reason;
        OnRefused?.Invoke(reason);
        return false;
    }
}
