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

        ReadTokenFile(options);
        Validate(options);
        return options;
    }

    /// <summary>Replaces <see cref="AgentOptions.JoinTokenFile"/> by the token it holds (its first line).</summary>
    /// <exception cref="ConfigurationException">Both forms given, or the file cannot be read.</exception>
    public static void ReadTokenFile(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.JoinTokenFile))
        {
            return;
        }

        if (!string.IsNullOrEmpty(options.JoinToken))
        {
            throw new ConfigurationException("config: JoinToken and JoinTokenFile are both set; keep one (the file keeps the token off the command line)");
        }

        OptionChecks.Path(nameof(AgentOptions.JoinTokenFile), options.JoinTokenFile);
        try
        {
            using var reader = new StreamReader(options.JoinTokenFile);
            options.JoinToken = reader.ReadLine()?.Trim() ?? string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"config: JoinTokenFile = '{options.JoinTokenFile}' cannot be read: {ex.Message}");
        }

        if (options.JoinToken.Length == 0)
        {
            throw new ConfigurationException($"config: JoinTokenFile = '{options.JoinTokenFile}' is empty; put the token (`hawitness join-token`) on its first line");
        }
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
        if (options.WitnessFingerprint is not null)
        {
            options.WitnessFingerprint = Sha256Fingerprint.Normalize(options.WitnessFingerprint)
                ?? throw new ConfigurationException("config: WitnessFingerprint is not a SHA-256 fingerprint; allowed: 64 hex digits, colons optional (`hawitness join-token` prints it)");
            if (!options.Witness.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                // A pin on a plain-HTTP URL would protect nothing: refuse rather than pretend.
                throw new ConfigurationException($"config: WitnessFingerprint is set but Witness = '{options.Witness}' is not https://; the pin needs the appliance's https:// URL");
            }
        }

        if (string.IsNullOrWhiteSpace(options.JoinToken))
        {
            throw new ConfigurationException("config: JoinToken is not set; give --join-token-file FILE (or - for stdin), --join JOINSTRING, or --join-token (print it on the appliance with `hawitness join-token`)");
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
        if (options.PowerOffBoundMs != 0)
        {
            OptionChecks.Range(nameof(AgentOptions.PowerOffBoundMs), options.PowerOffBoundMs, 100, 120_000, "ms (or 0: the driver's own bound)");
        }
        OptionChecks.Range(nameof(AgentOptions.HypervisorTimeoutMs), options.HypervisorTimeoutMs, 100, 600_000, "ms");
        OptionChecks.Range(nameof(AgentOptions.ShutdownTimeoutMs), options.ShutdownTimeoutMs, 100, 60_000, "ms");
        OptionChecks.Range(nameof(AgentOptions.WatchdogTimeoutMs), options.WatchdogTimeoutMs, 1000, 600_000, "ms");
        if (options.Watchdog != "none")
        {
            OptionChecks.Path(nameof(AgentOptions.Watchdog), options.Watchdog);
        }
    }
}
