using System.Security.Cryptography;
using System.Text;
using HaWitness.Cluster.Security;

namespace HaWitness.Cluster.Join;

/// <summary>
/// Keys that authenticate agents' HTTP calls (heartbeats, admission): HMAC-SHA256 of the member's
/// name and identity under the appliance's secret (<c>DATA/member-secret</c>, 0600). Nothing per
/// member needs storing; revoking an identity (RemoveHost) revokes its key.
/// </summary>
public sealed class MemberKeys
{
    private readonly byte[] _secret;

    /// <summary>Loads or creates the secret in <paramref name="dataDirectory"/>.</summary>
    public MemberKeys(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, "member-secret");
        if (!File.Exists(path))
        {
            Pem.WriteSecret(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
        }

        _secret = Convert.FromBase64String(File.ReadAllText(path).Trim());
    }

    /// <summary>Uses <paramref name="secret"/> as it is (held in memory only: the seeded simulation).</summary>
    public MemberKeys(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _secret = (byte[])secret.Clone();
    }

    /// <summary>The key of a member.</summary>
    public string KeyFor(string name, string identity) =>
        JoinToken.Base64Url(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(name + "\n" + identity)));

    /// <summary>Constant-time check of a presented key.</summary>
    public bool Verify(string name, string identity, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(KeyFor(name, identity)), Encoding.ASCII.GetBytes(presented));

    /// <summary>Proof that the answering appliance knows the join token: HMAC(token, text).</summary>
    public static string Prove(string token, string text) =>
        JoinToken.Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(text)));
}
