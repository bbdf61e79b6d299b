using HaWitness.Agent.Runtime;
using HaWitness.Agent.Runtime.Watchdog;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;
using HaWitness.Hosting;

namespace HaWitness.Agent;

/// <summary>
/// Wires the agent: its data directory (lock, local journal of what it did) and the host.
/// The agent keeps a local journal because the decisions it takes alone (self-fencing) must be
/// reported to the appliance when it reconnects.
/// </summary>
internal static partial class AgentHost
{
    public static async Task<int> RunAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        DataDirectory dataDir;
        try
        {
            dataDir = DataDirectory.Acquire(options.DataDirectory);
        }
        catch (DataDirectoryException ex)
        {
            await Console.Error.WriteLineAsync("hawitness-agent: " + ex.Message).ConfigureAwait(false);
            return CliExit.Failed;
        }

        using (dataDir)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = dataDir.Path });
            HostLogging.Configure(builder.Logging, builder.Services);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(options.ShutdownTimeoutMs));
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(dataDir);
            builder.Services.AddSingleton(sp => JournalStore.Open(
                dataDir.File(JournalStore.FileName), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JournalStore>>()));

            builder.Services.AddSingleton(sp => new AgentState(options, sp.GetRequiredService<TimeProvider>()));
            builder.Services.AddSingleton(sp => new AgentRuntime(sp.GetRequiredService<AgentState>(), dataDir.Path,
                sp.GetRequiredService<JournalStore>(), sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddHostedService<AgentService>();
            if (SystemdWatchdog.Read(Environment.GetEnvironmentVariable, Environment.ProcessId) is { } watchdog)
            {
                // The unit has WatchdogSec= (scripts/install-agent.sh writes it): ping while the loops turn.
                builder.Services.AddHostedService(sp =>
                {
                    var state = sp.GetRequiredService<AgentState>();
                    return new SystemdWatchdog(watchdog, () => state.SinceProgress, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SystemdWatchdog>>());
                });
            }

            using var host = builder.Build();
            var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HaWitness.Agent");
            JournalStore journal;
            try
            {
                journal = host.Services.GetRequiredService<JournalStore>();
            }
            catch (JournalOpenException ex)
            {
                await Console.Error.WriteLineAsync("hawitness-agent: " + ex.Message).ConfigureAwait(false);
                return CliExit.Failed;
            }

            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            journal.RecordEvent("AgentStarted", Subjects.Agent(options.Name), $"pid {Environment.ProcessId}, hypervisor {options.Hypervisor}, witness {options.Witness}");
            LogStarted(log, options.Name, options.Hypervisor, options.Witness!);
            if (PlainOffLoopback(options.Witness!))
            {
                LogPlainWitness(log, options.Witness!);
            }
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            journal.RecordEvent("AgentStopped", Subjects.Agent(options.Name), "clean shutdown");
            LogStopped(log);
            return Environment.ExitCode == 0 ? CliExit.Ok : Environment.ExitCode;
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Agent {Name} up (hypervisor {Hypervisor}), witness {Witness}")]
    private static partial void LogStarted(ILogger logger, string name, string hypervisor, string witness);

    /// <summary>An http:// witness other machines could answer for: the token and member key go in clear.</summary>
    private static bool PlainOffLoopback(string witness) =>
        Uri.TryCreate(witness, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback;

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "INSECURE: witness {Witness} is plain HTTP off loopback: the join token and member key cross the network in clear; use the appliance's https:// URL with --witness-fingerprint (or --join-file)")]
    private static partial void LogPlainWitness(ILogger logger, string witness);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Agent stopped cleanly")]
    private static partial void LogStopped(ILogger logger);
}
