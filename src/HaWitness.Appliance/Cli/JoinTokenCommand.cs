using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using HaWitness.Cluster.Join;
using HaWitness.Core.Configuration;
using HaWitness.Hosting;
using HaWitness.Operator.Https;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>hawitness join-token [--config FILE] [--data DIR] [--rotate] [--expires DURATION] [--url URL] [--join-string]</c>:
/// prints (or replaces) the token agents need to join, its expiry, the appliance's HTTPS certificate
/// fingerprint and a join string holding URL, fingerprint and token. Works beside a running
/// appliance: it reads the token files on every join request.
/// </summary>
/// <remarks>
/// Stdout stays the token alone (scripts do <c>token=$(hawitness join-token)</c>); the other lines go
/// to stderr, for the person at the terminal. <c>--join-string</c> puts the join string alone on stdout.
/// </remarks>
internal static class JoinTokenCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var data = CommonOptions.Data();
        var rotate = new Option<bool>("--rotate") { Description = "Replace the token: the old one stops working at once; joined agents stay members" };
        var expires = new Option<string?>("--expires") { Description = "The token stops working after DURATION (30m, 24h, 7d; 1m..366d; never). With --rotate: the new token's; alone: the current token's", HelpName = "DURATION" };
        var url = new Option<string?>("--url") { Description = "The appliance's URL as the agents reach it, for the join string (default: the https URL in Urls)", HelpName = "URL" };
        var joinOnly = new Option<bool>("--join-string") { Description = "Print only the join string on stdout (for hawitness-agent --join-file)" };
        var command = new Command("join-token", "Print the join token, the HTTPS certificate's fingerprint and a join string for hawitness-agent")
        {
            config, data, rotate, expires, url, joinOnly,
        };
        command.SetAction(parse =>
        {
            ApplianceOptions options;
            TimeSpan? lifetime = null;
            try
            {
                options = ApplianceConfiguration.Load(parse.GetValue(config), CommonOptions.Overrides((nameof(ApplianceOptions.DataDirectory), parse.GetValue(data))));
                if (parse.GetValue(expires) is { } e && !TokenLifetime.TryParse(e, out lifetime, out string error))
                {
                    throw new ConfigurationException(error);
                }

                if (parse.GetValue(url) is { } u)
                {
                    OptionChecks.Urls("--url", u);
                }
            }
            catch (ConfigurationException ex)
            {
                Console.Error.WriteLine("hawitness: " + ex.Message);
                return CliExit.Usage;
            }

            string dir = Path.GetFullPath(options.DataDirectory);
            try
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var token = new JoinToken(dir, TimeProvider.System);
                DateTimeOffset? until = lifetime is { } l ? TimeProvider.System.GetUtcNow() + l : null;
                string value;
                if (parse.GetValue(rotate))
                {
                    value = token.Rotate(until);
                }
                else
                {
                    value = token.GetOrCreate();
                    if (parse.GetValue(expires) is not null)
                    {
                        token.SetExpiry(until);
                    }
                }

                string? target = parse.GetValue(url)?.TrimEnd('/') ?? AgentUrl(options.Urls);
                string? fingerprint = null;
                if (target?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true || HttpsCertificate.Wanted(options.Urls))
                {
                    var (certificate, _) = HttpsCertificate.LoadOrCreate(options.Http, dir, options.Urls, TimeProvider.System);
                    using (certificate)
                    {
                        fingerprint = HttpsCertificate.Fingerprint(certificate);
                    }
                }

                // Pin only the self-signed certificate: one the operator supplies (Http:CertificateFile) is
                // renewed by its CA, and a pin on it would cut every agent off at the first renewal;
                // agents check that one against the system's trusted roots instead.
                bool pin = target?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true && string.IsNullOrEmpty(options.Http.CertificateFile);
                string? joinString = target is null ? null : JoinString.Format(target, pin ? fingerprint : null, value);
                if (parse.GetValue(joinOnly))
                {
                    if (joinString is null)
                    {
                        Console.Error.WriteLine($"hawitness: Urls ({options.Urls}) has no address the agents can use; give --url https://THIS-APPLIANCE:PORT");
                        return CliExit.Usage;
                    }

                    Console.WriteLine(joinString);
                    return CliExit.Ok;
                }

                Console.WriteLine(value);
                Describe(token.ExpiresAt(), fingerprint, target, joinString, options.Urls);
                return CliExit.Ok;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                Console.Error.WriteLine($"hawitness: cannot read or write the join token or the HTTPS certificate in {dir}: {ex.Message}");
                return CliExit.Failed;
            }
        });
        return command;
    }

    private static void Describe(DateTimeOffset? expiresAt, string? fingerprint, string? target, string? joinString, string urls)
    {
        var err = Console.Error;
        err.WriteLine(expiresAt is { } at
            ? $"expires: {at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}"
            : "expires: never (set one with --expires DURATION)");
        err.WriteLine(fingerprint is null
            ? "appliance certificate: none (Urls has no https:// URL)"
            : $"appliance certificate SHA-256: {fingerprint}");
        if (joinString is not null)
        {
            err.WriteLine($"join string for {target} (a secret: it holds the token):");
            err.WriteLine(joinString);
            err.WriteLine("on a host: hawitness-agent --join-file FILE ... (or pipe it: --join-file -)");
        }
        else
        {
            err.WriteLine($"join string: give --url https://THIS-APPLIANCE:PORT (Urls {urls} names no address the agents can use)");
        }
    }

    /// <summary>
    /// The URL agents reach: the first https URL with a concrete host, else the first http one.
    /// A wildcard bind (0.0.0.0, [::], *, +) names no address another machine can use, so none is guessed.
    /// </summary>
    private static string? AgentUrl(string urls)
    {
        var concrete = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Host is not ("0.0.0.0" or "[::]" or "::"))
            .ToList();
        return (concrete.FirstOrDefault(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) ?? concrete.FirstOrDefault())?.TrimEnd('/');
    }
}
