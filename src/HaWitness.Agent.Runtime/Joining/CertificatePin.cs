using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaWitness.Core.Configuration;

namespace HaWitness.Agent.Runtime.Joining;

/// <summary>
/// Judges the appliance's HTTPS certificate before a byte of the request (token, member key) is
/// sent. With a pin: the certificate's SHA-256 must equal it, and nothing else counts (the
/// appliance's self-signed certificate chains to nothing and need not name the address the agent
/// uses). Without one: the system's trust store and name check, as any client. Keeps why it
/// refused, for a message an operator can act on.
/// </summary>
internal sealed class CertificatePin
{
    private readonly string? _pin;
    private volatile string? _refusal;

    /// <summary>Pins <paramref name="fingerprint"/> (any accepted form), or trusts the system's roots when null.</summary>
    public CertificatePin(string? fingerprint)
    {
        _pin = fingerprint is null ? null : Sha256Fingerprint.Normalize(fingerprint) ?? throw new ArgumentException("not a SHA-256 fingerprint", nameof(fingerprint));
    }

    /// <summary>Why the last certificate was refused, or null.</summary>
    public string? LastRefusal => _refusal;

    /// <summary>The TLS handshake's callback.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            _refusal = "the appliance sent no certificate";
            return false;
        }

        string seen = Sha256Fingerprint.Format(certificate.GetCertHash(HashAlgorithmName.SHA256));
        if (_pin is not null)
        {
            if (string.Equals(seen, _pin, StringComparison.Ordinal))
            {
                _refusal = null; // a later, unrelated TLS failure must not read as this refusal
                return true;
            }

            _refusal = $"certificate pin mismatch: the appliance's certificate has SHA-256 {seen}, not the pinned {_pin}; "
                + "refusing to send the join token or member key (wrong --witness address, a replaced certificate, or somebody in the middle; check `hawitness join-token` on the appliance)";
            return false;
        }

        if (errors == SslPolicyErrors.None)
        {
            _refusal = null;
            return true;
        }

        _refusal = $"the appliance's certificate (SHA-256 {seen}) is not trusted here ({errors}): "
            + "give --witness-fingerprint with the fingerprint `hawitness join-token` prints on the appliance, or use --join with its join string";
        return false;
    }
}
