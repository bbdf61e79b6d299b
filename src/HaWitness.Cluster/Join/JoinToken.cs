using System.Security.Cryptography;
using System.Text;
using HaWitness.Cluster.Security;

namespace HaWitness.Cluster.Join;

/// <summary>
/// The cluster's join token: made on the appliance's first start, kept in <c>DATA/join-token</c>
/// readable by the appliance's user only, rotated on demand. Read from the file on every use so a
/// rotation by <c>hawitness join-token --rotate</c> takes effect in the running appliance at once.
/// </summary>
public sealed class JoinToken
{
    /// <summary>File name inside the data directory.</summary>
    public const string FileName = "join-token";

    private readonly string _path;

    /// <summary>Uses the token file in <paramref name="dataDirectory"/>.</summary>
    public JoinToken(string dataDirectory) => _path = Path.Combine(dataDirectory, FileName);

    /// <summary>The token, creating it if there is none yet.</summary>
    public string GetOrCreate()
    {
        if (File.Exists(_path))
        {
            string t = File.ReadAllText(_path).Trim();
            if (t.Length > 0)
            {
                return t;
            }
        }

        return Rotate();
    }

    /// <summary>Replaces the token with a new random one (agents joined already keep their membership).</summary>
    public string Rotate()
    {
        string token = Base64Url(RandomNumberGenerator.GetBytes(32));
        Pem.WriteSecret(_path, token + "\n");
        return token;
    }

    /// <summary>Constant-time comparison with the current token.</summary>
    public bool Verify(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || !File.Exists(_path))
        {
            return false;
        }

        byte[] expected = Encoding.UTF8.GetBytes(File.ReadAllText(_path).Trim());
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(presented));
    }

    internal static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
