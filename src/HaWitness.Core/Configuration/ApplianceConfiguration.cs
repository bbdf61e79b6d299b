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
        OptionChecks.OneOf(nameof(ApplianceOptions.DefaultPriority), options.DefaultPriority, "high", "medium", "low", "disabled");
    }
}
