using System.CommandLine;
using HaWitness.Core.Configuration;
using HaWitness.Operator.Client;

namespace HaWitness.Appliance.Cli.Operator;

/// <summary>
/// Options every command that talks to the API shares: where (<c>--url</c>, else
/// <c>HAWITNESS_CLI_URL</c>, else the first of the appliance configuration's <c>Urls</c>, else
/// http://127.0.0.1:8080), who (<c>--password-file</c>, else <c>HAWITNESS_CLI_PASSWORD</c>), how
/// (<c>--json</c> for scripts), and which certificate to trust for https (<c>--cacert</c>, else
/// the appliance's own <c>DATA/https/cert.pem</c> when it is on this machine).
/// </summary>
internal sealed class ClientOptions
{
    public const string UrlVariable = "HAWITNESS_CLI_URL";
    public const string PasswordVariable = "HAWITNESS_CLI_PASSWORD";

    public Option<string?> Url { get; } = new("--url") { Description = $"The appliance's API (default: ${UrlVariable}, else the first of Urls in the appliance config, else http://127.0.0.1:8080)", HelpName = "URL" };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the API's JSON (for scripts) instead of tables" };

    public Option<string?> PasswordFile { get; } = new("--password-file") { Description = $"File whose first line is the admin password (default: ${PasswordVariable})", HelpName = "FILE" };

    public Option<string?> CaCert { get; } = new("--cacert") { Description = "PEM certificate the https appliance must present (default: DATA/https/cert.pem when it exists here)", HelpName = "FILE" };

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(Json);
        command.Options.Add(PasswordFile);
        command.Options.Add(CaCert);
    }

    /// <summary>A client for this invocation, or an error line (exit 2) when an option is unusable.</summary>
    public (OperatorClient? Client, string? Error) Connect(ParseResult parse)
    {
        string? password = null;
        if (parse.GetValue(PasswordFile) is { } file)
        {
            try
            {
                password = File.ReadLines(file).FirstOrDefault()?.Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (null, $"cannot read the password file {file}: {ex.Message}");
            }

            if (string.IsNullOrEmpty(password))
            {
                return (null, $"the password file {file} is empty");
            }
        }
        else if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } env)
        {
            password = env;
        }

        var (url, dataDir) = DefaultUrl(parse.GetValue(Url));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return (null, $"--url '{url}' is not an http:// or https:// URL");
        }

        string? cacert = parse.GetValue(CaCert);
        if (cacert is null && uri.Scheme == Uri.UriSchemeHttps && dataDir is not null && File.Exists(Path.Combine(dataDir, "https", "cert.pem")))
        {
            cacert = Path.Combine(dataDir, "https", "cert.pem");
        }

        try
        {
            return (new OperatorClient(uri, password, cacert, TimeSpan.FromSeconds(30)), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return (null, $"cannot read the certificate {cacert}: {ex.Message}");
        }
    }

    private static (string Url, string? DataDir) DefaultUrl(string? given)
    {
        if (given is not null)
        {
            return (given, null);
        }

        if (Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } env)
        {
            return (env, null);
        }

        try
        {
            var options = ApplianceConfiguration.Load(null, []);
            string first = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
            first = first.Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://[::1]", StringComparison.Ordinal);
            return (first, options.DataDirectory);
        }
        catch (ConfigurationException)
        {
            return ("http://127.0.0.1:8080", null);
        }
    }
}
