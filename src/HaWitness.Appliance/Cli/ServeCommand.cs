using System.CommandLine;
using HaWitness.Hosting;
using HaWitness.Core.Configuration;
using HaWitness.Operator.Https;

namespace HaWitness.Appliance.Cli;

/// <summary><c>hawitness serve</c>: run the appliance until SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var data = CommonOptions.Data();
        var urls = new Option<string?>("--urls")
        {
            Description = "Where the status page and API listen, ';'-separated (default: http://127.0.0.1:8080)",
            HelpName = "URLS",
        };
        var raft = new Option<string?>("--raft")
        {
            Description = "The appliance's Raft endpoint, reachable by every agent (default: 127.0.0.1:7400)",
            HelpName = "IP:PORT",
        };
        var insecure = new Option<bool>("--insecure-http")
        {
            Description = "Allow plain http:// URLs off loopback (Http:AllowPlainHttp): passwords and the join token then cross the network in clear",
        };
        var command = new Command("serve", "Run the appliance: Raft leader, journal, status page and API; stops cleanly on SIGTERM")
        {
            config, data, urls, raft, insecure,
        };
        command.SetAction(async (parse, ct) =>
        {
            ApplianceOptions options;
            try
            {
                options = ApplianceConfiguration.Load(
                    parse.GetValue(config),
                    CommonOptions.Overrides(
                        (nameof(ApplianceOptions.DataDirectory), parse.GetValue(data)),
                        (nameof(ApplianceOptions.Urls), parse.GetValue(urls)),
                        (nameof(ApplianceOptions.Raft), parse.GetValue(raft)),
                        ("Http:AllowPlainHttp", parse.GetValue(insecure) ? "true" : null)));
                if (ListenPolicy.Evaluate(options.Urls, options.Http.AllowPlainHttp).Problem() is { } problem)
                {
                    throw new ConfigurationException(problem);
                }
            }
            catch (ConfigurationException ex)
            {
                await Console.Error.WriteLineAsync("hawitness: " + ex.Message).ConfigureAwait(false);
                return CliExit.Usage;
            }

            return await ApplianceHost.RunAsync(options, ct).ConfigureAwait(false);
        });
        return command;
    }
}
