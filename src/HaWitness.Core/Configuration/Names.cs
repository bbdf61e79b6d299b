using System.Buffers;

namespace HaWitness.Core.Configuration;

/// <summary>The grammar of names that travel between programs (host and VM names, tokens).</summary>
public static class Names
{
    private static readonly SearchValues<char> HostChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");

    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    /// <summary>A host name: 1..63 of letters, digits, '-', '.', starting with a letter or digit.</summary>
    public static bool IsValidHostName(string? name) =>
        name is { Length: >= 1 and <= 63 }
        && char.IsAsciiLetterOrDigit(name[0])
        && !name.AsSpan().ContainsAnyExcept(HostChars);

    /// <summary>
    /// An iSCSI name (RFC 3720 §3.2.6, RFC 3722 stringprep reduced to what initiators use):
    /// <c>iqn.YYYY-MM.reversed.domain[:suffix]</c> in lowercase letters, digits, '-', '.', ':';
    /// <c>eui.</c> + 16 hex digits; <c>naa.</c> + 16 or 32 hex digits; at most 223 bytes.
    /// </summary>
    public static bool IsValidIscsiName(string? name)
    {
        if (name is null || name.Length is < 5 or > 223)
        {
            return false;
        }

        if (name.StartsWith("eui.", StringComparison.Ordinal))
        {
            return name.Length == 20 && name.AsSpan(4).ContainsAnyExcept(HexUpper) is false;
        }

        if (name.StartsWith("naa.", StringComparison.Ordinal))
        {
            return name.Length is 20 or 36 && name.AsSpan(4).ContainsAnyExcept(HexUpper) is false;
        }

        // iqn.YYYY-MM.<reversed domain>[:<anything allowed>]
        if (!name.StartsWith("iqn.", StringComparison.Ordinal) || name.Length < 12
            || !char.IsAsciiDigit(name[4]) || !char.IsAsciiDigit(name[5]) || !char.IsAsciiDigit(name[6]) || !char.IsAsciiDigit(name[7])
            || name[8] != '-' || !char.IsAsciiDigit(name[9]) || !char.IsAsciiDigit(name[10]) || name[11] != '.')
        {
            return false;
        }

        int month = (name[9] - '0') * 10 + (name[10] - '0');
        if (month is < 1 or > 12 || name.Length == 12 || !char.IsAsciiLetterOrDigit(name[12]))
        {
            return false;
        }

        return !name.AsSpan().ContainsAnyExcept(IqnChars);
    }

    private static readonly SearchValues<char> IqnChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-.:");

    private static readonly SearchValues<char> HexUpper =
        SearchValues.Create("0123456789ABCDEFabcdef");

    /// <summary>A VM name: 1..80 of letters, digits, '-', '_', '.', starting with a letter or digit.</summary>
    public static bool IsValidVmName(string? name) =>
        name is { Length: >= 1 and <= 80 }
        && char.IsAsciiLetterOrDigit(name[0])
        && !name.AsSpan().ContainsAnyExcept(VmChars);

    private static readonly SearchValues<char> VmChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    /// <summary>A secret token: 16..128 of letters, digits, '-', '_'.</summary>
    public static bool IsValidToken(string? token) =>
        token is { Length: >= 16 and <= 128 } && !token.AsSpan().ContainsAnyExcept(TokenChars);
}
