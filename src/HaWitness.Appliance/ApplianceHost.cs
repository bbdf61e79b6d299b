using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaWitness.Appliance.Http;
using HaWitness.Cluster.Quorum;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Core.Status;
using HaWitness.Core.Storage;
using HaWitness.Hosting;

namespace HaWitness.Appliance;

/// <summary>
/// Wires the appliance: data directory, journal, cluster CA, Raft member, HTTP endpoints.
/// Everything that can fail on a bad environment (locked directory, corrupt journal, a port in
/// use) fails here, before the appliance claims to be up, with one line on stderr and exit 1.
/// </summary>
internal static partial class ApplianceHost
{
    public static async Task<int> RunAsync(ApplianceOptions options, CancellationToken cancellationToken)
    {
        DataDirectory dataDir;
        try
        {
            dataDir = DataDirectory.Acquire(options.DataDirectory);
        }
        catch (DataDirectoryException ex)
        {
            return await Fail(ex.Message).ConfigureAwait(false);
        }

        using (dataDir)
        using (var loggers = LoggerFactory.Create(HostLogging.ConfigureLogging))
        {
            JournalStore journal;
            try
            {
                journal = JournalStore.Open(dataDir.File(JournalStore.FileName), TimeProvider.System, loggers.CreateLogger<JournalStore>(), options.Journal);
            }
            catch (JournalOpenException ex)
            {
                return await Fail(ex.Message).ConfigureAwait(false);
            }

            using (journal)
            using (var ca = ClusterCa.LoadOrCreate(dataDir.Path))
            {
                var state = new ClusterState();
                var journaler = new StateJournaler(journal, state);
                state.Applied += journaler.OnApplied; // before the log replays
                RaftNode node;
                try
                {
                    node = await ClusterServices.StartRaftAsync(options, dataDir, ca, state, loggers, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex)
                {
                    return await Fail($"cannot listen on the Raft endpoint {options.Raft}: {ex.Message}").ConfigureAwait(false);
                }

                catch (IOException ex) when (DataDirectory.IsStorageFailure(ex))
                {
                    // The Raft log and identity are written at start: a full or read-only disk
                    // stops it here with one line, not a stack trace.
                    return await Fail(DataDirectory.Explain(dataDir.Path, "the Raft identity and log", ex)).ConfigureAwait(false);
                }

                await using (node)
                {
                    return await ServeAsync(options, dataDir, journal, ca, node, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<int> ServeAsync(ApplianceOptions options, DataDirectory dataDir, JournalStore journal, ClusterCa ca, RaftNode node, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = dataDir.Path });
        // Our configuration layers were read already; keep ASP.NET's defaults (appsettings.json
        // in the working directory, ASPNETCORE_* variables) from changing behaviour behind them.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        HostLogging.Configure(builder.Logging, builder.Services);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(options.ShutdownTimeoutMs));
        builder.WebHost.UseUrls(options.Urls);
        RequestLimits.Apply(builder);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, HaWitnessJson.Default));
        X509Certificate2? certificate;
        try
        {
            certificate = OperatorHosting.ConfigureHttps(builder, options, dataDir);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return await Fail($"cannot load the HTTPS certificate: {ex.Message}").ConfigureAwait(false);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(dataDir);
        builder.Services.AddSingleton(journal);
        ClusterServices.Register(builder.Services, options, dataDir, ca, node);
        FailoverServices.Register(builder.Services, options, node);
        OperatorServices.Register(builder.Services, options, dataDir, node);
        builder.Services.AddSingleton<StatusBuilder>();

        await using var app = builder.Build();
        node.Validator.OnRefused = app.Services.GetRequiredService<RefusalJournal>().Refused;
        var alarms = app.Services.GetRequiredService<Failover.Alarms.IAlarmSink>();
        journal.Faulted += reason => alarms.Raise(new Failover.Alarms.Alarm(
            Failover.Alarms.AlarmKind.JournalFault, Subjects.Cluster, "the journal cannot take writes: " + reason, TimeProvider.System.GetUtcNow()));
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HaWitness.Appliance");
        _ = app.Services.GetRequiredService<StatusBuilder>(); // stamps startedAt now
        _ = app.Services.GetRequiredService<Cluster.Join.JoinToken>().GetOrCreate();
        OperatorHosting.Map(app, options, certificate, journal);
        StatusEndpoints.Map(app);
        AgentEndpoints.Map(app);
        FailoverEndpoints.Map(app);
        BackupEndpoints.Map(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return await Fail($"cannot listen on {options.Urls}: {ex.Message}").ConfigureAwait(false);
        }

        try
        {
            journal.RecordEvent("ApplianceStarted", Subjects.Cluster, $"version {StatusBuilder.Version}, pid {Environment.ProcessId}, listening on {options.Urls}, Raft {options.Raft}");
        }
        catch (JournalWriteException)
        {
            // A journal that cannot take its first row cannot take decisions: refuse to run.
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return await Fail("journal: " + (journal.Fault ?? "cannot write to the journal")).ConfigureAwait(false);
        }

        LogStarted(log, StatusBuilder.Version, options.Urls, options.Raft, dataDir.Path);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            journal.RecordEvent("ApplianceStopped", Subjects.Cluster, "clean shutdown");
        }
        catch (JournalWriteException)
        {
            // Stopping stays clean on a full disk: the failure is logged by the journal already.
        }

        LogStopped(log);
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return CliExit.Ok;
    }

    private static async Task<int> Fail(string message)
    {
        await Console.Error.WriteLineAsync("hawitness: " + message).ConfigureAwait(false);
        return CliExit.Failed;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "HaWitness {Version} up on {Urls}, Raft {Raft}, data in {Data}")]
    private static partial void LogStarted(ILogger logger, string version, string urls, string raft, string data);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "HaWitness stopped cleanly")]
    private static partial void LogStopped(ILogger logger);
}
