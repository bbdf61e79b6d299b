using System.CommandLine;
using HaWitness.Core.Configuration;
using HaWitness.Hosting;

namespace HaWitness.Agent.Cli;

/// <summary>
/// The <c>hawitness-agent</c> command line. The root command runs the agent; the option names
/// are a contract (scripts and the appliance's documentation use them).
/// </summary>
internal static class AgentCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var config = new Option<string?>("--config") { Description = "Configuration file (default: /etc/hawitness/agent.json if it exists)", HelpName = "FILE" };
        var witness = new Option<string?>("--witness") { Description = "The appliance's API, e.g. https://10.0.0.1:8443", HelpName = "URL" };
        var fingerprint = new Option<string?>("--witness-fingerprint") { Description = "SHA-256 of the appliance's HTTPS certificate: talk to it only if it matches (`hawitness join-token` prints it)", HelpName = "SHA256" };
        var token = new Option<string?>("--join-token") { Description = "The cluster's join token; visible to `ps`: prefer --join-token-file or --join-file", HelpName = "TOKEN" };
        var tokenFile = new Option<string?>("--join-token-file") { Description = "Read the join token from FILE's first line ('-': stdin)", HelpName = "FILE" };
        var join = new Option<string?>("--join") { Description = "The join string `hawitness join-token` prints (URL, fingerprint, token); visible to `ps`: prefer --join-file", HelpName = "JOINSTRING" };
        var joinFile = new Option<string?>("--join-file") { Description = "Read the join string from FILE's first line ('-': stdin)", HelpName = "FILE" };
        var name = new Option<string?>("--name") { Description = "This host's name in the cluster (default: the machine name)", HelpName = "NAME" };
        var hypervisor = new Option<string?>("--hypervisor") { Description = "Hypervisor driver: sim | vix | vmrun | libvirt", HelpName = "KIND" };
        var data = new Option<string?>("--data") { Description = "Local state directory (default: ./var/hawitness-agent)", HelpName = "DIR" };
        var raft = new Option<string?>("--raft") { Description = "This agent's Raft endpoint (default: 127.0.0.1:7420)", HelpName = "IP:PORT" };
        var simVms = new Option<int?>("--sim-vms") { Description = "With --hypervisor sim: start with N simulated VMs named after the host", HelpName = "N" };
        var probe = new Option<string?>("--probe") { Description = "Where peers ask this agent whether it hears a leader (default: Raft address, port + 1)", HelpName = "IP:PORT" };
        var initiator = new Option<string?>("--initiator") { Description = "This host's iSCSI initiator IQN (default: /etc/iscsi/initiatorname.iscsi)", HelpName = "IQN" };
        var isolation = new Option<string?>("--isolation-response") { Description = "When isolated: power-off | shutdown | none (default: power-off)", HelpName = "MODE" };
        var watchdog = new Option<string?>("--watchdog") { Description = "Watchdog device to arm, e.g. /dev/watchdog, or none (default: none); it resets the host if the agent dies or hangs", HelpName = "DEVICE" };

        var root = new RootCommand("HaWitness host agent: registers with the appliance, votes in its Raft group, runs this host's VMs as the committed state says, and fences itself when isolated.")
        {
            config, witness, fingerprint, token, tokenFile, join, joinFile, name, hypervisor, data, raft, simVms, probe, initiator, isolation, watchdog,
        };
        root.SetAction(async (parse, ct) =>
        {
            AgentOptions options;
            try
            {
                // Explicit options come after the join string's parts, so they win.
                var secrets = JoinSecrets.Resolve(parse.GetValue(tokenFile), parse.GetValue(join), parse.GetValue(joinFile), Console.In);
                options = AgentConfiguration.Load(
                    parse.GetValue(config),
                    Overrides(
                        [.. secrets,
                        (nameof(AgentOptions.Witness), parse.GetValue(witness)),
                        (nameof(AgentOptions.WitnessFingerprint), parse.GetValue(fingerprint)),
                        (nameof(AgentOptions.JoinToken), parse.GetValue(token)),
                        (nameof(AgentOptions.Name), parse.GetValue(name)),
                        (nameof(AgentOptions.Hypervisor), parse.GetValue(hypervisor)),
                        (nameof(AgentOptions.DataDirectory), parse.GetValue(data)),
                        (nameof(AgentOptions.Raft), parse.GetValue(raft)),
                        (nameof(AgentOptions.SimVms), parse.GetValue(simVms)?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        (nameof(AgentOptions.Probe), parse.GetValue(probe)),
                        (nameof(AgentOptions.InitiatorIqn), parse.GetValue(initiator)),
                        (nameof(AgentOptions.IsolationResponse), parse.GetValue(isolation)),
                        (nameof(AgentOptions.Watchdog), parse.GetValue(watchdog))]));
            }
            catch (ConfigurationException ex)
            {
                await Console.Error.WriteLineAsync("hawitness-agent: " + ex.Message).ConfigureAwait(false);
                return CliExit.Usage;
            }

            return await AgentHost.RunAsync(options, ct).ConfigureAwait(false);
        });
        return await CliRunner.InvokeAsync(root, args).ConfigureAwait(false);
    }

    /// <summary>The given values as the top configuration layer; for a key given twice, the later one wins.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> Overrides(params (string Key, string? Value)[] values) =>
        values.Where(v => v.Value is not null).GroupBy(v => v.Key, StringComparer.OrdinalIgnoreCase).Select(g => KeyValuePair.Create(g.Key, g.Last().Value));
}
