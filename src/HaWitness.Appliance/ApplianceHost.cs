using HaWitness.Appliance.Http;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Core.Status;
using HaWitness.Core.Storage;
using HaWitness.Hosting;

namespace HaWitness.Appliance;

/// <summary>
/// Wires the appliance: data directory, journal, HTTP endpoints. Everything that can fail on a
/// bad environment (locked directory, corrupt journal, port in use) fails here, before the
/// appliance claims to be up, with one line on stderr.
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
            await Console.Error.WriteLineAsync("hawitness: " + ex.Message).ConfigureAwait(false);
            return CliExit.Failed;
        }

        using (dataDir)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ContentRootPath = dataDir.Path,
            });
            // Our configuration layers were read already; keep ASP.NET's defaults (appsettings.json
            // in the working directory, ASPNETCORE_* variables) from changing behaviour behind them.
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection();
            HostLogging.Configure(builder.Logging, builder.Services);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(options.ShutdownTimeoutMs));
            builder.WebHost.UseUrls(options.Urls);
            builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, HaWitnessJson.Default));

            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton(dataDir);
            builder.Services.AddSingleton(sp => JournalStore.Open(
                dataDir.File(JournalStore.FileName), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JournalStore>>()));
            builder.Services.AddSingleton<IClusterView, StandaloneClusterView>();
            builder.Services.AddSingleton<StatusBuilder>();

            await using var app = builder.Build();
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HaWitness.Appliance");
            JournalStore journal;
            try
            {
                journal = app.Services.GetRequiredService<JournalStore>();
            }
            catch (JournalOpenException ex)
            {
                await Console.Error.WriteLineAsync("hawitness: " + ex.Message).ConfigureAwait(false);
                return CliExit.Failed;
            }

            _ = app.Services.GetRequiredService<StatusBuilder>(); // stamps startedAt now
            StatusEndpoints.Map(app);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"hawitness: cannot listen on {options.Urls}: {ex.Message}").ConfigureAwait(false);
                return CliExit.Failed;
            }

            journal.RecordEvent("ApplianceStarted", Subjects.Cluster, $"version {StatusBuilder.Version}, pid {Environment.ProcessId}, listening on {options.Urls}");
            LogStarted(log, StatusBuilder.Version, options.Urls, dataDir.Path);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            journal.RecordEvent("ApplianceStopped", Subjects.Cluster, "clean shutdown");
            LogStopped(log);
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return CliExit.Ok;
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "HaWitness {Version} up on {Urls}, data in {Data}")]
    private static partial void LogStarted(ILogger logger, string version, string urls, string data);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "HaWitness stopped cleanly")]
    private static partial void LogStopped(ILogger logger);
}
