using System.Text.RegularExpressions;

namespace HaWitness.Hypervisors;

/// <summary>iSCSI initiator names (RFC 3720 §3.2.6.3), in their normalised lower-case form.</summary>
public static partial class InitiatorIqn
{
    /// <summary>
    /// True for <c>iqn.YYYY-MM.reversed.domain[:unique]</c>, <c>eui.</c> + 16 hex digits or
    /// <c>naa.</c> + 16 or 32 hex digits; lower case, at most 223 characters.
    /// </summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 4 and <= 223 } && (IqnRegex().IsMatch(name) || EuiNaaRegex().IsMatch(name));

    [GeneratedRegex(@"^iqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[a-z0-9.:_-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IqnRegex();

    [GeneratedRegex(@"^(eui\.[0-9a-f]{16}|naa\.([0-9a-f]{16}|[0-9a-f]{32}))$", RegexOptions.CultureInvariant)]
    private static partial Regex EuiNaaRegex();
}
