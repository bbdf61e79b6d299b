using System.Buffers;

namespace HaWitness.Core.Configuration;

/// <summary>The grammar of names that travel between programs (host and VM names, tokens).</summary>
public static class Names
{
    private static readonly SearchValues<char> HostChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");

    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    /// <summary>A name safe to log and journal even when it failed validation: at most 64 characters, anything unusual as '?'.</summary>
    public static string Printable(string? name) =>
        string.IsNullOrEmpty(name) ? "(none)" : new string([.. name.Take(64).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '?')]);

    /// <summary>A host name: 1..63 of letters, digits, '-', '.', starting with a letter or digit.</summary>
    public static bool IsValidHostName(string? name) =>
        name is { Length: >= 1 and <= 63 }
        && char.IsAsciiLetterOrDigit(name[0])
        && !name.AsSpan().ContainsAnyExcept(HostChars);

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
