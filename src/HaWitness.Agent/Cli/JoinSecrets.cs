using HaWitness.Cluster.Join;
using HaWitness.Core.Configuration;

namespace HaWitness.Agent.Cli;

/// <summary>
/// The command-line ways to hand the agent its secrets without putting them on its command line
/// (where <c>ps</c> shows them to every user): <c>--join-token-file FILE|-</c>, and a join string
/// from <c>--join</c> or <c>--join-file FILE|-</c>. They become configuration overrides; an option
/// given explicitly (<c>--witness</c>, <c>--witness-fingerprint</c>) wins over the join string's part.
/// </summary>
internal static class JoinSecrets
{
    /// <summary>The overrides; throws <see cref="ConfigurationException"/> with one line on any problem.</summary>
    public static List<(string Key, string? Value)> Resolve(string? tokenFile, string? join, string? joinFile, TextReader stdin)
    {
        var overrides = new List<(string, string?)>();
        if (tokenFile == "-" && joinFile == "-")
        {
            throw new ConfigurationException("--join-token-file - and --join-file - both want stdin; give one of them a file");
        }

        if (join is not null && joinFile is not null)
        {
            throw new ConfigurationException("--join and --join-file are both given; keep one");
        }

        if (tokenFile == "-")
        {
            overrides.Add((nameof(AgentOptions.JoinToken), FirstLine(stdin, "--join-token-file -: nothing on stdin; pipe the token in")));
        }
        else if (tokenFile is not null)
        {
            overrides.Add((nameof(AgentOptions.JoinTokenFile), tokenFile));
        }

        string? text = join;
        if (joinFile == "-")
        {
            text = FirstLine(stdin, "--join-file -: nothing on stdin; pipe the join string in");
        }
        else if (joinFile is not null)
        {
            try
            {
                using var reader = new StreamReader(joinFile);
                text = reader.ReadLine() ?? string.Empty;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"--join-file {joinFile} cannot be read: {ex.Message}");
            }
        }

        if (text is not null)
        {
            if (!JoinString.TryParse(text, out var parts, out string error))
            {
                throw new ConfigurationException("join string: " + error);
            }

            if (tokenFile is not null)
            {
                throw new ConfigurationException("a join string and --join-token-file both give the token; keep one");
            }

            overrides.Add((nameof(AgentOptions.Witness), parts.Url));
            overrides.Add((nameof(AgentOptions.WitnessFingerprint), parts.Fingerprint));
            overrides.Add((nameof(AgentOptions.JoinToken), parts.Token));
        }

        return overrides;
    }

    private static string FirstLine(TextReader stdin, string whenEmpty)
    {
        string line = stdin.ReadLine()?.Trim() ?? string.Empty;
        return line.Length > 0 ? line : throw new ConfigurationException(whenEmpty);
    }
}
