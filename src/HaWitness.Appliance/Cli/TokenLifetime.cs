using System.Globalization;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>--expires</c> values: a number with a unit (<c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>),
/// from one minute to 366 days, or <c>never</c>. A short life is the point: a token pasted into a
/// ticket or a chat should stop working once the hosts have joined.
/// </summary>
internal static class TokenLifetime
{
    public static readonly TimeSpan Min = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Max = TimeSpan.FromDays(366);

    /// <summary>The lifetime (null for <c>never</c>), or false with the reason.</summary>
    public static bool TryParse(string text, out TimeSpan? lifetime, out string error)
    {
        lifetime = null;
        error = string.Empty;
        string s = text.Trim().ToLowerInvariant();
        if (s == "never")
        {
            return true;
        }

        if (s.Length < 2 || !long.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > 1_000_000)
        {
            error = $"--expires '{text}' is not a duration; allowed: N followed by s, m, h or d (e.g. 30m, 24h, 7d), 1m..366d, or never";
            return false;
        }

        TimeSpan? value = s[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => null,
        };
        if (value is not { } v || v < Min || v > Max)
        {
            error = $"--expires '{text}' is out of range or has no unit; allowed: N followed by s, m, h or d, 1m..366d, or never";
            return false;
        }

        lifetime = v;
        return true;
    }
}
