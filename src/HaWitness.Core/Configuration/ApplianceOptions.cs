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

    /// <summary>The appliance's Raft endpoint, <c>IP:PORT</c>, reachable by every agent (<c>--raft</c>).</summary>
    public string Raft { get; set; } = "127.0.0.1:7400";

    /// <summary>Whether VMs that agents report are HA-protected when first seen (the default policy).</summary>
    public bool DefaultHa { get; set; } = true;

    /// <summary>Restart priority of VMs first seen: high | medium | low | disabled.</summary>
    public string DefaultPriority { get; set; } = "medium";

    /// <summary>The failover engine: start retries, admission control, placement.</summary>
    public FailoverOptions Failover { get; set; } = new();

    /// <summary>Alarm delivery: webhook and/or command hook.</summary>
    public AlarmOptions Alarms { get; set; } = new();

    /// <summary>Heartbeat and lease timings, handed to every agent at join.</summary>
    public LeaseOptions Lease { get; set; } = new();
    /// <summary>The iSCSI target to fence on, and how to reach it (section <c>Target</c>).</summary>
    public TargetOptions Target { get; set; } = new();

    /// <summary>The decision journal: checkpoints, high-water mark, retention (section <c>Journal</c>).</summary>
    public JournalOptions Journal { get; set; } = new();

    /// <summary>The operators' page and API: open reads, HTTPS certificate, login sessions (section <c>Http</c>).</summary>
    public HttpOptions Http { get; set; } = new();
}
