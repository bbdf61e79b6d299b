namespace HaWitness.Core.Configuration;

/// <summary>Where alarms go: a webhook (POST JSON) and/or a command (argument vector, the JSON on its stdin).</summary>
public sealed class AlarmOptions
{
    /// <summary>http(s) URL that receives a POST with the alarm as JSON; empty for none.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Program and arguments run for every alarm (never through a shell); empty for none.</summary>
    public IList<string> Command { get; } = [];

    /// <summary>Tries per alarm and channel.</summary>
    public int Tries { get; set; } = 4;

    /// <summary>Pause before the second try; doubles each try.</summary>
    public int RetryDelayMs { get; set; } = 1000;

    /// <summary>How long one delivery may take.</summary>
    public int TimeoutMs { get; set; } = 5000;

    /// <summary>Checks the values; returns the first problem or null.</summary>
    public string? Validate() =>
        WebhookUrl is { Length: > 0 } url && (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
            ? $"Alarms:WebhookUrl must be an http or https URL, not '{url}'"
            : Command.Count > 0 && !Path.IsPathRooted(Command[0]) ? "Alarms:Command[0] must be an absolute path (no shell, no PATH lookup)"
            : Tries is < 1 or > 20 ? "Alarms:Tries must be 1..20"
            : RetryDelayMs < 0 || TimeoutMs < 100 ? "Alarms:RetryDelayMs must be >= 0 and TimeoutMs >= 100"
            : null;
}
