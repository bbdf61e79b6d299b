using System.CommandLine;

namespace HaWitness.Appliance.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string?> Config() => new("--config")
    {
        Description = "Configuration file (default: /etc/hawitness/appliance.json if it exists)",
        HelpName = "FILE",
    };

    public static Option<string?> Data() => new("--data")
    {
        Description = "Data directory: journal, keys, Raft log (default: ./var/hawitness)",
        HelpName = "DIR",
    };

    /// <summary>Command-line values as configuration overrides (the top layer).</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Overrides(params (string Key, string? Value)[] values) =>
        values.Where(v => v.Value is not null).Select(v => KeyValuePair.Create(v.Key, v.Value));
}
