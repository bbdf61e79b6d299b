namespace HaWitness.Core.Configuration;

/// <summary>Small validators that throw a <see cref="ConfigurationException"/> naming the key and what is allowed.</summary>
public static class OptionChecks
{
    /// <summary>An integer within [min, max].</summary>
    public static void Range(string key, long value, long min, long max, string unit = "")
    {
        if (value < min || value > max)
        {
            string u = unit.Length > 0 ? " " + unit : string.Empty;
            throw new ConfigurationException($"config: {key} = {value} is out of range; allowed {min}..{max}{u}");
        }
    }

    /// <summary>A non-empty path without control characters.</summary>
    public static void Path(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfigurationException($"config: {key} is empty; a directory path is required");
        }

        if (value.Any(char.IsControl))
        {
            throw new ConfigurationException($"config: {key} contains control characters; a plain path is required");
        }
    }

    /// <summary>
    /// An absolute path made only of letters, digits, '.', '_', '-' and '/', with no '..' part:
    /// safe to hand to another program on another machine.
    /// </summary>
    public static bool IsPlainAbsolutePath(string? value) =>
        value is { Length: > 1 and <= 4096 }
        && value[0] == '/'
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/')
        && !value.Split('/').Any(part => part == "..");

    /// <summary>One or more absolute http:// or https:// URLs separated by ';'.</summary>
    public static void Urls(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ConfigurationException($"config: {key} is empty; allowed: http://IP:PORT or https://IP:PORT, ';'-separated");
        }

        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel also accepts wildcard hosts (http://*:80, http://+:80) which Uri rejects.
            string probe = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.AbsolutePath != "/")
            {
                throw new ConfigurationException($"config: {key} has '{part}'; allowed: http://IP:PORT or https://IP:PORT, ';'-separated");
            }
        }
    }

    /// <summary>An <c>IP:PORT</c> endpoint with a specific address and a port.</summary>
    public static void EndPoint(string key, string? value)
    {
        if (!System.Net.IPEndPoint.TryParse(value ?? string.Empty, out var ep) || ep.Port == 0
            || ep.Address.Equals(System.Net.IPAddress.Any) || ep.Address.Equals(System.Net.IPAddress.IPv6Any))
        {
            throw new ConfigurationException($"config: {key} = '{value}' is not an endpoint; allowed: IP:PORT with a specific address (for example 10.0.0.1:7400)");
        }
    }

    /// <summary>One of a fixed set of words (case-insensitive).</summary>
    public static void OneOf(string key, string? value, params string[] allowed)
    {
        if (value is null || !allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            throw new ConfigurationException($"config: {key} = '{value}' is not allowed; allowed: {string.Join(" | ", allowed)}");
        }
    }
}
