using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using HaWitness.Cluster.Security;

namespace HaWitness.Cluster.Join;

/// <summary>
/// The cluster's join token: made on the appliance's first start, kept in <c>DATA/join-token</c>
/// readable by the appliance's user only, rotated on demand, optionally with an expiry kept beside
/// it in <c>DATA/join-token.expires</c> (0600). Both are read on every use so a rotation by
/// <c>hawitness join-token --rotate</c> takes effect in the running appliance at once.
/// </summary>
public sealed class JoinToken
{
    /// <summary>File name inside the data directory.</summary>
    public const string FileName = "join-token";

    /// <summary>File name of the expiry (an ISO-8601 UTC time) inside the data directory.</summary>
    public const string ExpiryFileName = "join-token.expires";

    private readonly string _path;
    private readonly string _expiryPath;
    private readonly TimeProvider _time;

    /// <summary>Uses the token file in <paramref name="dataDirectory"/>.</summary>
    public JoinToken(string dataDirectory)
        : this(dataDirectory, TimeProvider.System)
    {
    }

    /// <summary>Uses the token file in <paramref name="dataDirectory"/>; <paramref name="time"/> judges the expiry.</summary>
    public JoinToken(string dataDirectory, TimeProvider time)
    {
        _path = Path.Combine(dataDirectory, FileName);
        _expiryPath = Path.Combine(dataDirectory, ExpiryFileName);
        _time = time;
    }

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

    /// <summary>
    /// Replaces the token with a new random one, valid until <paramref name="expires"/> (null: no
    /// expiry). The old token stops working at once; agents joined already keep their membership.
    /// </summary>
    public string Rotate(DateTimeOffset? expires = null)
    {
        string token = Base64Url(RandomNumberGenerator.GetBytes(32));
        // Order so that no moment exists where a token is valid longer than asked: the expiry
        // first when there is one, and removed only after the new token is in place.
        if (expires is { } e)
        {
            SetExpiry(e);
        }

        Pem.WriteSecret(_path, token + "\n");
        if (expires is null)
        {
            SetExpiry(null);
        }

        return token;
    }

    /// <summary>Sets (or with null removes) the current token's expiry.</summary>
    public void SetExpiry(DateTimeOffset? expires)
    {
        if (expires is { } e)
        {
            Pem.WriteSecret(_expiryPath, e.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + "\n");
        }
        else
        {
            File.Delete(_expiryPath);
        }
    }

    /// <summary>
    /// When the token stops working, or null if it does not expire. A damaged expiry file reads as
    /// already expired: a token must not become unlimited because a file got mangled.
    /// </summary>
    public DateTimeOffset? ExpiresAt()
    {
        string text;
        try
        {
            text = File.ReadAllText(_expiryPath); // read once: `join-token --rotate` may remove it at any moment
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : DateTimeOffset.MinValue;
    }

    /// <summary>Constant-time comparison with the current token; an expired token does not verify.</summary>
    public bool Verify(string? presented) => Check(presented) == JoinTokenCheck.Valid;

    /// <summary>
    /// Compares in constant time, then checks the expiry. The expiry is a date the operator chose,
    /// so it is judged on the wall clock (unlike leases, which never are); "expired" is told only
    /// to whoever presents the right token.
    /// </summary>
    public JoinTokenCheck Check(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || !File.Exists(_path))
        {
            return JoinTokenCheck.Wrong;
        }

        byte[] expected = Encoding.UTF8.GetBytes(File.ReadAllText(_path).Trim());
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(presented)))
        {
            return JoinTokenCheck.Wrong;
        }

        return ExpiresAt() is { } at && _time.GetUtcNow() >= at ? JoinTokenCheck.Expired : JoinTokenCheck.Valid;
    }

    internal static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>What <see cref="JoinToken.Check"/> found.</summary>
public enum JoinTokenCheck
{
    /// <summary>The current token, not expired.</summary>
    Valid,

    /// <summary>Missing or not the current token.</summary>
    Wrong,

    /// <summary>The current token, past its expiry.</summary>
    Expired,
}
