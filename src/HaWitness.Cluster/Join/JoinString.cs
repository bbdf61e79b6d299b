using System.Text;
using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Join;

/// <summary>
/// One copy-paste string with everything an agent needs to join: the appliance's URL, its HTTPS
/// certificate's SHA-256 fingerprint (empty for a loopback http URL) and the join token:
/// <c>hawitness-join:v1:BASE64URL(url|fingerprint|token)</c>. Base64url so it survives shells,
/// YAML and e-mail untouched; it holds the token, so treat it as the secret it is.
/// </summary>
public static class JoinString
{
    /// <summary>The prefix that names the format and its version.</summary>
    public const string Prefix = "hawitness-join:v1:";

    /// <summary>Builds the string.</summary>
    public static string Format(string url, string? fingerprint, string token)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(token);
        // The fingerprint without colons: a third shorter, and Normalize reads both forms.
        string fp = fingerprint?.Replace(":", string.Empty, StringComparison.Ordinal) ?? string.Empty;
        return Prefix + JoinToken.Base64Url(Encoding.UTF8.GetBytes($"{url.TrimEnd('/')}|{fp}|{token}"));
    }

    /// <summary>Reads a join string; false with a one-line reason when it is not one.</summary>
    public static bool TryParse(string? text, out JoinStringParts parts, out string error)
    {
        parts = new JoinStringParts(string.Empty, null, string.Empty);
        string s = text?.Trim() ?? string.Empty;
        if (!s.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"not a join string (it starts with '{Prefix}'; `hawitness join-token` prints it)";
            return false;
        }

        string payload;
        try
        {
            string b64 = s[Prefix.Length..].Replace('-', '+').Replace('_', '/');
            payload = Encoding.UTF8.GetString(Convert.FromBase64String(b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            error = "the join string is damaged (not base64url after the prefix); copy it again";
            return false;
        }

        string[] fields = payload.Split('|');
        if (fields.Length != 3 || fields[0].Length == 0 || fields[2].Length == 0)
        {
            error = "the join string is damaged (it needs URL|fingerprint|token); copy it again";
            return false;
        }

        string? fingerprint = null;
        if (fields[1].Length > 0 && (fingerprint = Sha256Fingerprint.Normalize(fields[1])) is null)
        {
            error = "the join string's fingerprint is not a SHA-256 fingerprint; copy it again";
            return false;
        }

        parts = new JoinStringParts(fields[0], fingerprint, fields[2]);
        error = string.Empty;
        return true;
    }
}

/// <summary>What a join string holds.</summary>
/// <param name="Url">The appliance's URL.</param>
/// <param name="Fingerprint">Its HTTPS certificate's SHA-256 (canonical form), or null for an http URL.</param>
/// <param name="Token">The join token.</param>
public sealed record JoinStringParts(string Url, string? Fingerprint, string Token);
