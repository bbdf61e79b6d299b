using Microsoft.Extensions.Configuration;

namespace HaWitness.Core.Configuration;

/// <summary>Loads and validates <see cref="AgentOptions"/>.</summary>
public static class AgentConfiguration
{
    /// <summary>Reads the layers, binds (unknown keys are errors) and validates.</summary>
    /// <exception cref="ConfigurationException">Any problem, as one line naming the key.</exception>
    public static AgentOptions Load(string? configFile, IEnumerable<KeyValuePair<string, string?>> commandLine, string defaultFile = AgentOptions.DefaultConfigFile)
    {
        var root = ConfigurationSources.Build(configFile, defaultFile, AgentOptions.EnvironmentPrefix, commandLine);
        var options = new AgentOptions();
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
    public static void Validate(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Witness))
        {
            throw new ConfigurationException("config: Witness is not set; give --witness http://APPLIANCE:PORT");
        }

        OptionChecks.Urls(nameof(AgentOptions.Witness), options.Witness);
        if (string.IsNullOrWhiteSpace(options.JoinToken))
        {
            throw new ConfigurationException("config: JoinToken is not set; give --join-token (print it on the appliance with `hawitness join-token`)");
        }

        if (!Names.IsValidToken(options.JoinToken))
        {
            throw new ConfigurationException("config: JoinToken is malformed; allowed: 16..128 characters of A-Z a-z 0-9 - _");
        }

        if (!Names.IsValidHostName(options.Name))
        {
            throw new ConfigurationException($"config: Name = '{options.Name}' is not a valid host name; allowed: letters, digits, '-', '.', 1..63 characters, starting with a letter or digit");
        }

        OptionChecks.OneOf(nameof(AgentOptions.Hypervisor), options.Hypervisor, "sim", "vix", "vmrun", "libvirt");
        OptionChecks.OneOf(nameof(AgentOptions.VixProvider), options.VixProvider, "workstation", "server", "vi", "player");
        OptionChecks.Path(nameof(AgentOptions.DataDirectory), options.DataDirectory);
        OptionChecks.EndPoint(nameof(AgentOptions.Raft), options.Raft);

        OptionChecks.Range(nameof(AgentOptions.SimVms), options.SimVms, 0, 100_000);
        if (options.Probe is not null)
        {
            OptionChecks.EndPoint(nameof(AgentOptions.Probe), options.Probe);
        }

        if (options.InitiatorIqn is not null && !IscsiName.IsValid(options.InitiatorIqn))
        {
            throw new ConfigurationException($"config: InitiatorIqn = '{options.InitiatorIqn}' is not an iSCSI name; allowed: iqn.YYYY-MM.reversed.domain[:suffix] (lowercase), eui.<16 hex>, naa.<16|32 hex>");
        }

        OptionChecks.OneOf(nameof(AgentOptions.IsolationResponse), options.IsolationResponse, "power-off", "shutdown", "none");
        OptionChecks.Range(nameof(AgentOptions.PowerOffBoundMs), options.PowerOffBoundMs, 100, 120_000, "ms");
        OptionChecks.Range(nameof(AgentOptions.HypervisorTimeoutMs), options.HypervisorTimeoutMs, 100, 600_000, "ms");
        OptionChecks.Range(nameof(AgentOptions.ShutdownTimeoutMs), options.ShutdownTimeoutMs, 100, 60_000, "ms");
        OptionChecks.Range(nameof(AgentOptions.WatchdogTimeoutMs), options.WatchdogTimeoutMs, 1000, 600_000, "ms");
        if (options.Watchdog != "none")
        {
            OptionChecks.Path(nameof(AgentOptions.Watchdog), options.Watchdog);
        }
    }
}
