namespace HaWitness.Core.Configuration;

/// <summary>
/// The appliance's settings. The initial values are the embedded defaults that serve when no
/// configuration file exists. JSON keys are these property names (for example
/// <c>{"DataDirectory": "/var/lib/hawitness"}</c>); environment variables use the
/// <c>HAWITNESS_</c> prefix and <c>__</c> between sections.
/// </summary>
public sealed class ApplianceOptions
{
    /// <summary>The configuration file read when <c>--config</c> is not given.</summary>
    public const string DefaultConfigFile = "/etc/hawitness/appliance.json";

    /// <summary>Prefix of environment variables that override the file.</summary>
    public const string EnvironmentPrefix = "HAWITNESS_";

    /// <summary>Where the journal, keys and Raft log live (<c>--data</c>).</summary>
    public string DataDirectory { get; set; } = "./var/hawitness";

    /// <summary>Where the status page and API listen, ';'-separated (<c>--urls</c>).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>How long a SIGTERM may take to stop the appliance, in milliseconds.</summary>
    public int ShutdownTimeoutMs { get; set; } = 1500;

    /// <summary>The iSCSI target to fence on, and how to reach it (section <c>Target</c>).</summary>
    public TargetOptions Target { get; set; } = new();
}
