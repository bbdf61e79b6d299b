using Microsoft.Extensions.Configuration;

namespace HaWitness.Core.Configuration;

/// <summary>Loads and validates <see cref="ApplianceOptions"/>.</summary>
public static class ApplianceConfiguration
{
    /// <summary>
    /// Reads the layered configuration, binds it (unknown keys are errors: a typo must not be
    /// silently ignored on an HA system) and validates it.
    /// </summary>
    /// <exception cref="ConfigurationException">Any problem, as one line naming the key.</exception>
    public static ApplianceOptions Load(string? configFile, IEnumerable<KeyValuePair<string, string?>> commandLine, string defaultFile = ApplianceOptions.DefaultConfigFile)
    {
        var root = ConfigurationSources.Build(configFile, defaultFile, ApplianceOptions.EnvironmentPrefix, commandLine);
        var options = new ApplianceOptions();
        try
        {
            root.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw ConfigurationSources.BindFailure(ex);
        }

        Validate(options);
        return options;
    }

    /// <summary>Checks every value; throws on the first bad one.</summary>
    public static void Validate(ApplianceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionChecks.Path(nameof(ApplianceOptions.DataDirectory), options.DataDirectory);
        OptionChecks.Urls(nameof(ApplianceOptions.Urls), options.Urls);
        OptionChecks.Range(nameof(ApplianceOptions.ShutdownTimeoutMs), options.ShutdownTimeoutMs, 100, 60_000, "ms");
        OptionChecks.EndPoint(nameof(ApplianceOptions.Raft), options.Raft);
        options.Lease.Validate();
        if (options.Failover.Validate() is { } failover)
        {
            throw new ConfigurationException("config: Failover: " + failover);
        }

        if (options.Alarms.Validate() is { } alarms)
        {
            throw new ConfigurationException("config: " + alarms);
        }
        if (options.Journal.Validate() is { } journal)
        {
            throw new ConfigurationException("config: " + journal);
        }

        if (options.Http.Validate() is { } http)
        {
            throw new ConfigurationException("config: " + http);
        }

        OptionChecks.OneOf(nameof(ApplianceOptions.DefaultPriority), options.DefaultPriority, "high", "medium", "low", "disabled");
        ValidateTarget(options.Target);
    }

    private static void ValidateTarget(TargetOptions target)
    {
        ArgumentNullException.ThrowIfNull(target, "Target");
        OptionChecks.OneOf("Target:Driver", target.Driver, "tgt", "lio");
        if (!SshDestination.TryParse(target.Ssh, out _, out string error))
        {
            throw new ConfigurationException($"config: Target:Ssh = '{target.Ssh}' is not valid: {error}");
        }

        if (target.SshKey is not null)
        {
            OptionChecks.Path("Target:SshKey", target.SshKey);
        }

        if (target.KnownHosts is not null)
        {
            OptionChecks.Path("Target:KnownHosts", target.KnownHosts);
        }

        OptionChecks.Range("Target:ConnectTimeoutMs", target.ConnectTimeoutMs, 100, 120_000, "ms");
        OptionChecks.Range("Target:CommandTimeoutMs", target.CommandTimeoutMs, 100, 300_000, "ms");
        OptionChecks.Range("Target:TgtControlPort", target.TgtControlPort, 0, 32_767);
        if (target.TgtConfDirectory.Length > 0 && !OptionChecks.IsPlainAbsolutePath(target.TgtConfDirectory))
        {
            throw new ConfigurationException(
                $"config: Target:TgtConfDirectory = '{target.TgtConfDirectory}' is not allowed; an absolute path of letters, digits, '.', '_', '-', '/' (or empty to not persist)");
        }

        OptionChecks.OneOf("Target:LioMode", target.LioMode, "auto", "targetcli", "configfs");
        OptionChecks.Range("Target:FenceAttempts", target.FenceAttempts, 1, 10);
        OptionChecks.Range("Target:FenceRetryDelayMs", target.FenceRetryDelayMs, 0, 60_000, "ms");
    }
}
