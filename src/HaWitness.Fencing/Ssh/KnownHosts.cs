using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HaWitness.Fencing.Ssh;

/// <summary>What <see cref="KnownHosts.Check"/> found.</summary>
internal enum HostKeyVerdict
{
    /// <summary>The key matches the pinned one.</summary>
    Trusted,
    /// <summary>The host was unknown; its key is now pinned (trust on first use).</summary>
    PinnedNow,
    /// <summary>The host is known with another key: refuse.</summary>
    Mismatch,
}

/// <summary>
/// Host keys pinned on first use, in OpenSSH's known_hosts format (<c>[host]:port type base64</c>,
/// plain <c>host</c> for port 22), so <c>ssh-keygen -F</c> and <c>ssh -o UserKnownHostsFile=</c>
/// read the same file. Hashed names (<c>|1|salt|hash</c>, as <c>ssh-keygen -H</c> writes them)
/// match like plain ones; marker (<c>@</c>) lines are kept but not used. New pins are written plain.
/// A host with any pinned key must present one of its pinned keys; a different key is refused.
/// </summary>
internal sealed class KnownHosts
{
    private static readonly Lock FileLock = new();

    public KnownHosts(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    /// <summary>The name a host has in the file.</summary>
    public static string Pattern(string host, int port) =>
        port == 22 ? host : string.Create(CultureInfo.InvariantCulture, $"[{host}]:{port}");

    /// <summary>OpenSSH's fingerprint form: <c>SHA256:</c> and unpadded base64.</summary>
    public static string Fingerprint(byte[] keyBlob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>
    /// Checks <paramref name="keyBlob"/> for <paramref name="host"/>; pins it when the host is
    /// unknown. <paramref name="pinned"/> lists the fingerprints already pinned for the host.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read or written.</exception>
    public HostKeyVerdict Check(string host, int port, string keyType, byte[] keyBlob, out IReadOnlyList<string> pinned)
    {
        string pattern = Pattern(host, port);
        string key = Convert.ToBase64String(keyBlob);
        lock (FileLock)
        {
            var known = new List<(string Type, string Key)>();
            if (File.Exists(Path))
            {
                foreach (var raw in File.ReadLines(Path))
                {
                    string line = raw.Trim();
                    if (line.Length == 0 || line[0] is '#' or '@')
                    {
                        continue;
                    }

                    var fields = line.Split((char[]?)null, 4, StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 3 && Matches(fields[0], pattern))
                    {
                        known.Add((fields[1], fields[2]));
                    }
                }
            }

            pinned = known.Select(k => k.Type + " " + SafeFingerprint(k.Key)).ToList();
            if (known.Any(k => k.Type == keyType && k.Key == key))
            {
                return HostKeyVerdict.Trusted;
            }

            if (known.Count > 0)
            {
                return HostKeyVerdict.Mismatch;
            }

            string? dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            File.AppendAllText(Path, $"{pattern} {keyType} {key}\n");
            return HostKeyVerdict.PinnedNow;
        }
    }

    /// <summary>
    /// True when a known_hosts name field names <paramref name="pattern"/>: a comma-separated list
    /// of plain names, or one hashed name <c>|1|base64(salt)|base64(HMAC-SHA1(salt, pattern))</c>.
    /// </summary>
    internal static bool Matches(string names, string pattern)
    {
        if (!names.StartsWith("|1|", StringComparison.Ordinal))
        {
            return names.Split(',').Contains(pattern, StringComparer.Ordinal);
        }

        var parts = names.Split('|');
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            byte[] salt = Convert.FromBase64String(parts[2]);
            byte[] hash = Convert.FromBase64String(parts[3]);
            byte[] mine = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(pattern));
            return CryptographicOperations.FixedTimeEquals(mine, hash);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string SafeFingerprint(string base64)
    {
        try
        {
            return Fingerprint(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return "(unreadable key)";
        }
    }
}
