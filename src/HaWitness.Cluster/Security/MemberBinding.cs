using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HaWitness.Cluster.Security;

/// <summary>
/// What the cluster CA binds into a member certificate: the member's role, name and Raft
/// endpoint, in a private, non-critical extension (a UTF8String <c>v1;role=host;name=N;raft=IP:PORT</c>).
/// The CA writes it from what it decided, never from what the requester asked for.
/// </summary>
public sealed record MemberBinding(MemberRole Role, string Name, IPEndPoint RaftEndPoint)
{
    /// <summary>The extension's OID (a UUID-derived OID under 2.25, ours alone).</summary>
    public const string Oid = "2.25.186110283508712320358092955103548736097";

    /// <summary>The extension to put in an issued certificate.</summary>
    public X509Extension ToExtension()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.UTF8String, string.Create(CultureInfo.InvariantCulture,
            $"v1;role={(Role == MemberRole.Appliance ? "appliance" : "host")};name={Name};raft={RaftEndPoint}"));
        return new X509Extension(new Oid(Oid), writer.Encode(), critical: false);
    }

    /// <summary>
    /// Reads the binding of <paramref name="certificate"/>. False if it has none (a certificate from
    /// before bindings existed) or the extension is malformed.
    /// </summary>
    public static bool TryRead(X509Certificate2 certificate, [NotNullWhen(true)] out MemberBinding? binding)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        binding = null;
        if (certificate.Extensions[Oid] is not { } ext)
        {
            return false;
        }

        try
        {
            var reader = new AsnReader(ext.RawData, AsnEncodingRules.DER);
            string text = reader.ReadCharacterString(UniversalTagNumber.UTF8String);
            reader.ThrowIfNotEmpty();
            var fields = text.Split(';');
            if (fields is not ["v1", var role, var name, var raft]
                || !role.StartsWith("role=", StringComparison.Ordinal)
                || !name.StartsWith("name=", StringComparison.Ordinal)
                || !raft.StartsWith("raft=", StringComparison.Ordinal)
                || !IPEndPoint.TryParse(raft[5..], out var ep))
            {
                return false;
            }

            MemberRole? r = role[5..] switch
            {
                "host" => MemberRole.Host,
                "appliance" => MemberRole.Appliance,
                _ => null,
            };
            if (r is null)
            {
                return false;
            }

            binding = new MemberBinding(r.Value, name[5..], ep);
            return true;
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return false;
        }
    }
}
