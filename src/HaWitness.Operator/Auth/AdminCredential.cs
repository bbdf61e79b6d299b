using System.Security.Cryptography;
using System.Text;

namespace HaWitness.Operator.Auth;

/// <summary>
/// The admin password, stored hashed in <c>DATA/admin-password</c> (mode 0600). Created with a
/// random password at first start; replaced by <c>hawitness admin-password</c>, also while the
/// appliance runs: the file is re-read when it changes, and page logins made before the change end.
/// A password that verified once is remembered as its SHA-256 (in memory only), so API clients
/// that send it on every call do not pay PBKDF2 every time.
/// </summary>
internal sealed class AdminCredential
{
    public const string FileName = "admin-password";
    private readonly object _gate = new();
    private readonly HashSet<string> _verified = new(StringComparer.Ordinal);
    private (DateTime Written, long Length) _seen;
    private string? _stored;
    private long _stamp;

    public AdminCredential(string dataDirectory)
    {
        FilePath = Path.Combine(dataDirectory, FileName);
    }

    public string FilePath { get; }

    /// <summary>Changes whenever the stored password changes; sessions remember the stamp they were made under.</summary>
    public long Stamp
    {
        get
        {
            lock (_gate)
            {
                Refresh();
                return _stamp;
            }
        }
    }

    /// <summary>Creates the file with a new random password when there is none; returns that password (to be shown once), else null.</summary>
    public string? EnsureCreated()
    {
        if (File.Exists(FilePath))
        {
            return null;
        }

        string password = PasswordHash.Generate();
        Set(password);
        return password;
    }

    /// <summary>Stores <paramref name="password"/> hashed, atomically (write, fsync, rename).</summary>
    public void Set(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        HaWitness.Cluster.Security.Pem.WriteSecret(FilePath, PasswordHash.Hash(password) + "\n");
        lock (_gate)
        {
            _seen = default;
            Refresh();
        }
    }

    /// <summary>
    /// The answer when it needs no PBKDF2 (an empty or overlong password, no password set, one
    /// that verified before), else null: the caller then takes a <see cref="PasswordSlots"/> slot
    /// and calls <see cref="Verify"/>.
    /// </summary>
    public bool? VerifyCheaply(string presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 1024)
        {
            return false;
        }

        string digest = Digest(presented);
        lock (_gate)
        {
            Refresh();
            return _verified.Contains(digest) ? true : _stored is null ? false : null;
        }
    }

    /// <summary>Checks a presented password (constant-time compare); false when no password is set.</summary>
    public bool Verify(string presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 1024)
        {
            return false;
        }

        string digest = Digest(presented);
        string? stored;
        long stamp;
        lock (_gate)
        {
            Refresh();
            if (_verified.Contains(digest))
            {
                return true;
            }

            stored = _stored;
            stamp = _stamp;
        }

        if (stored is null || !PasswordHash.Verify(presented, stored))
        {
            return false;
        }

        lock (_gate)
        {
            if (_stamp == stamp && _verified.Count < 8)
            {
                _verified.Add(digest);
            }
        }

        return true;
    }

    private static string Digest(string presented) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    private void Refresh()
    {
        var info = new FileInfo(FilePath);
        var now = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        if (now == _seen && _stored is not null)
        {
            return;
        }

        string? text = null;
        try
        {
            text = info.Exists ? File.ReadAllText(FilePath).Trim() : null;
        }
        catch (IOException)
        {
            // being replaced: keep what we had until the next call
            return;
        }

        if (text is not null && !PasswordHash.IsWellFormed(text))
        {
            text = null; // a damaged file verifies nothing: set a new password with hawitness admin-password
        }

        if (!string.Equals(text, _stored, StringComparison.Ordinal))
        {
            _stored = text;
            _verified.Clear();
            _stamp++;
        }

        _seen = now;
    }
}
