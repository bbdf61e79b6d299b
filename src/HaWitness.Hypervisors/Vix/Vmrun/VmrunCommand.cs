using HaWitness.Hypervisors.Calls;

namespace HaWitness.Hypervisors.Vix.Vmrun;

/// <summary>Builds <c>vmrun</c> argument vectors from validated values.</summary>
internal static class VmrunCommand
{
    /// <summary>vmrun's <c>-T</c> host types.</summary>
    public static readonly IReadOnlySet<string> HostTypes = new HashSet<string>(StringComparer.Ordinal) { "ws", "server", "server1", "fusion", "esx", "vc", "player", "ws-shared" };

    /// <summary>Null when the options can be passed to vmrun, else why not.</summary>
    public static string? Check(VmrunOptions options)
    {
        if (!HostTypes.Contains(options.HostType))
        {
            return $"vmrun host type '{options.HostType}' is not one of {string.Join(", ", HostTypes)}";
        }

        foreach (var (key, value) in new[] { ("host", options.Host), ("user", options.User), ("password", options.Password) })
        {
            if (value is not null && (value.Length is 0 or > 512 || value.Any(char.IsControl)))
            {
                return $"vmrun {key} is empty, too long or has control characters";
            }
        }

        return string.IsNullOrWhiteSpace(options.Path) || options.Path.Any(char.IsControl)
            ? "vmrun path is empty or has control characters"
            : null;
    }

    /// <summary><c>-T TYPE [-h HOST] [-u USER] [-p PASSWORD] COMMAND ARGS...</c>.</summary>
    public static IReadOnlyList<string> Build(VmrunOptions options, string command, params string[] args)
    {
        var argv = new List<string> { "-T", options.HostType };
        if (options.Host is not null)
        {
            argv.Add("-h");
            argv.Add(options.Host);
        }

        if (options.User is not null)
        {
            argv.Add("-u");
            argv.Add(options.User);
        }

        if (options.Password is not null)
        {
            argv.Add("-p");
            argv.Add(options.Password);
        }

        argv.Add(command);
        argv.AddRange(args);
        return argv;
    }

    /// <summary>The VM paths in <c>list</c> / <c>listRegisteredVM</c> output (after the "Total …: N" line).</summary>
    public static IReadOnlyList<string> ParseList(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith("Total ", StringComparison.Ordinal))
            .ToList();

    /// <summary>vmrun prints its errors as "Error: …" on stdout and exits non-zero; map the words to our kinds.</summary>
    public static HypervisorError Error(ProcessOutput output, string what, HypervisorErrorKind fallback)
    {
        string text = (output.StdOut + "\n" + output.StdErr).Trim();
        string line = text.Split('\n').FirstOrDefault(l => l.StartsWith("Error:", StringComparison.Ordinal)) ?? text.Split('\n')[0];
        var kind = line switch
        {
            _ when Has(line, "not powered on") || Has(line, "not running") => HypervisorErrorKind.InvalidState,
            _ when Has(line, "should not be powered on") || Has(line, "already running") => HypervisorErrorKind.InvalidState,
            _ when Has(line, "cannot be found") || Has(line, "not found") || Has(line, "does not exist") => HypervisorErrorKind.NotFound,
            _ when Has(line, "authentication") || Has(line, "insufficient permissions") || Has(line, "password") => HypervisorErrorKind.AuthenticationFailed,
            _ when Has(line, "unable to connect") || Has(line, "cannot connect") => HypervisorErrorKind.ConnectionFailed,
            _ => fallback,
        };
        return new HypervisorError(kind, $"{what}: {line}", output.ExitCode);
    }

    private static bool Has(string line, string words) => line.Contains(words, StringComparison.OrdinalIgnoreCase);
}
