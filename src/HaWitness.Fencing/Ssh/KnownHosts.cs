using System.Globalization;
using System.Security.Cryptography;

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
/// read the same file. Hashed (<c>|1|</c>) and marker (<c>@</c>) lines are kept but not used.
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
                    if (line.Length == 0 || line[0] is '#' or '@' or '|')
                    {
                        continue;
                    }

                    var fields = line.Split((char[]?)null, 4, StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 3 && fields[0].Split(',').Contains(pattern, StringComparer.Ordinal))
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
