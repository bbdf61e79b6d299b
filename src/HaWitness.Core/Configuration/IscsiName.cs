using System.Globalization;
using System.Text;

namespace HaWitness.Core.Configuration;

/// <summary>
/// The iSCSI name grammar (RFC 3720 §3.2.6, RFC 3722 normalisation): <c>iqn.YYYY-MM.reversed.domain[:suffix]</c>,
/// <c>eui.</c> + 16 hex digits, <c>naa.</c> + 16 or 32 hex digits; at most 223 bytes. Normalised names
/// are lowercase, so only lowercase is accepted for <c>iqn.</c> names (hex digits of <c>eui.</c> and
/// <c>naa.</c> may be upper case, as the RFC's own examples are). Only ASCII is accepted: nothing else
/// can reach a command line or a config file then.
/// </summary>
public static class IscsiName
{
    /// <summary>Longest name, in bytes (RFC 3720).</summary>
    public const int MaxBytes = 223;

    /// <summary>True when <paramref name="name"/> is a valid iSCSI name.</summary>
    public static bool IsValid(string? name) => Check(name) is null;

    /// <summary>Null when valid, else why not (one line, safe to print: the name itself is not echoed raw).</summary>
    public static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "an iSCSI name is required";
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"an iSCSI name is at most {MaxBytes} bytes; this one has {Encoding.UTF8.GetByteCount(name)}");
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':'))
            {
                return $"an iSCSI name may contain only letters, digits, '.', '-' and ':'; found {Describe(c)}";
            }
        }

        if (name.StartsWith("iqn.", StringComparison.Ordinal))
        {
            return CheckIqn(name);
        }

        if (name.StartsWith("eui.", StringComparison.Ordinal))
        {
            return name.Length == 20 && IsHex(name.AsSpan(4)) ? null : "an eui. name is 'eui.' and 16 hex digits";
        }

        if (name.StartsWith("naa.", StringComparison.Ordinal))
        {
            return name.Length is 20 or 36 && IsHex(name.AsSpan(4)) ? null : "a naa. name is 'naa.' and 16 or 32 hex digits";
        }

        return "an iSCSI name starts with 'iqn.', 'eui.' or 'naa.' (lowercase)";
    }

    /// <summary>The name for messages: itself when valid, else a short escaped form.</summary>
    public static string Printable(string? name)
    {
        if (name is null)
        {
            return "(none)";
        }

        var sb = new StringBuilder();
        foreach (char c in name.Length > 80 ? name[..80] : name)
        {
            sb.Append(c is >= ' ' and < (char)127 ? c.ToString() : Describe(c));
        }

        return name.Length > 80 ? sb + "..." : sb.ToString();
    }

    private static string? CheckIqn(string name)
    {
        // iqn.YYYY-MM.naming-authority[:unique]
        if (name.Length < 12 || !char.IsAsciiDigit(name[4]) || !char.IsAsciiDigit(name[5]) || !char.IsAsciiDigit(name[6])
            || !char.IsAsciiDigit(name[7]) || name[8] != '-' || !char.IsAsciiDigit(name[9]) || !char.IsAsciiDigit(name[10])
            || name[11] != '.')
        {
            return "an iqn. name is iqn.YYYY-MM.reversed.domain[:suffix], for example iqn.2026-01.com.example:host1";
        }

        int month = ((name[9] - '0') * 10) + (name[10] - '0');
        if (month is < 1 or > 12)
        {
            return "the month in an iqn. name must be 01..12";
        }

        string rest = name[12..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        string authority = colon >= 0 ? rest[..colon] : rest;
        if (authority.Length == 0)
        {
            return "an iqn. name needs a reversed domain name after the date";
        }

        foreach (var label in authority.Split('.'))
        {
            if (label.Length == 0 || label[0] == '-' || label[^1] == '-' || label.Any(char.IsAsciiLetterUpper))
            {
                return "the reversed domain name of an iqn. name is lowercase labels of letters, digits and inner '-', separated by '.'";
            }
        }

        if (colon >= 0 && colon == rest.Length - 1)
        {
            return "an iqn. name ending in ':' needs a suffix after it";
        }

        if (rest.Any(char.IsAsciiLetterUpper))
        {
            return "an iqn. name is lowercase (RFC 3722 normalisation)";
        }

        return null;
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(char c) => c switch
    {
        '\n' => "a newline",
        '\r' => "a carriage return",
        '\t' => "a tab",
        ' ' => "a space",
        _ when c < ' ' || c == (char)127 => string.Create(CultureInfo.InvariantCulture, $"control character U+{(int)c:X4}"),
        _ when c > (char)127 => string.Create(CultureInfo.InvariantCulture, $"non-ASCII U+{(int)c:X4}"),
        _ => $"'{c}'",
    };
}
