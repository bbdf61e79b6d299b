using System.Globalization;

namespace HaWitness.Core.Configuration;

/// <summary>
/// A certificate's SHA-256 fingerprint as people copy it: 64 hex digits, with or without colons,
/// any case, optionally prefixed <c>sha256:</c>. One canonical form (upper-case, colon-separated,
/// as <c>hawitness join-token</c> and browsers print it) so a pin compares by plain equality.
/// </summary>
public static class Sha256Fingerprint
{
    /// <summary>The canonical form of <paramref name="value"/>, or null if it is not a SHA-256 fingerprint.</summary>
    public static string? Normalize(string? value)
    {
        if (value is null)
        {
            return null;
        }

        string s = value.Trim();
        if (s.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            s = s[7..];
        }

        s = s.Replace(":", string.Empty, StringComparison.Ordinal);
        if (s.Length != 64 || !s.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return Format(Convert.FromHexString(s));
    }

    /// <summary>The canonical form of a hash.</summary>
    public static string Format(ReadOnlySpan<byte> hash)
    {
        var parts = new string[hash.Length];
        for (int i = 0; i < hash.Length; i++)
        {
            parts[i] = hash[i].ToString("X2", CultureInfo.InvariantCulture);
        }

        return string.Join(':', parts);
    }
}
