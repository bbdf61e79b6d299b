using HaWitness.Cluster;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Raft;
using HaWitness.Core.Configuration;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Failover;
using HaWitness.Failover.Alarms;
using HaWitness.Failover.Engine;
using HaWitness.Failover.Explain;
using HaWitness.Failover.Journal;
using HaWitness.Failover.Planned;
using HaWitness.Fencing.Ssh;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HaWitness.Appliance;

/// <summary>
/// The failover engine, planned operations, explainer and alarms. The engine runs while this
/// node leads, in the leader's one loop (<see cref="LeaderLoop"/>) after the leader's duties, which
/// detect failed hosts; the engine takes it from <c>HostFailed</c> on. Without a registered <see cref="IStorageFencer"/> it runs
/// lease-only and says so.
/// </summary>
internal static class FailoverServices
{
    public static void Register(IServiceCollection services, ApplianceOptions options, RaftNode node)
    {
        services.TryAddSingleton(options.Failover);
        services.TryAddSingleton(options.Alarms);
        if (options.Target.Enabled)
        {
            // The storage wall: one kept SSH connection to the target, disposed with the host.
            var (shell, driver) = TargetWiring.Connect(options);
            services.AddSingleton(shell);
            services.AddSingleton<IStorageFencer>(sp => TargetWiring.Fencer(options, driver, sp.GetRequiredService<JournalStore>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("HaWitness.Fencing")));
        }

        services.TryAddSingleton<IStorageFencer, LeaseOnlyFencer>();
        services.AddSingleton<IDecisionJournal>(sp => new StoreJournal(sp.GetRequiredService<JournalStore>()));
        services.AddSingleton(sp => new AlarmDispatcher(
            AlarmDispatcher.Channels(sp.GetRequiredService<AlarmOptions>(), new HttpClient()),
            sp.GetRequiredService<IDecisionJournal>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<AlarmOptions>(),
            Environment.MachineName, sp.GetRequiredService<ILogger<AlarmDispatcher>>()));
        services.AddSingleton<IAlarmSink>(sp => sp.GetRequiredService<AlarmDispatcher>());
        // The one grant path: joins, re-admissions and the operator's word all grant through it.
        services.AddSingleton(sp =>
        {
            var journal = sp.GetRequiredService<IDecisionJournal>();
            var failover = sp.GetRequiredService<FailoverOptions>();
            return new StorageGrants(node, sp.GetRequiredService<IStorageFencer>(), d => journal.Append(d),
                new GrantAlarms(sp.GetRequiredService<IAlarmSink>(), sp.GetRequiredService<TimeProvider>()), sp.GetRequiredService<TimeProvider>(),
                GrantPolicy.Backoffs(failover.FenceRetryMs, failover.FenceRetryMaxMs), () => node.IsLeader,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("HaWitness.Grants"));
        });
        services.AddSingleton(sp => new FailoverEngine(
            node, sp.GetRequiredService<IHostLiveness>(), sp.GetRequiredService<IStorageFencer>(), sp.GetRequiredService<IDecisionJournal>(),
            sp.GetRequiredService<IAlarmSink>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FailoverOptions>(),
            sp.GetRequiredService<LeaseOptions>(), sp.GetRequiredService<ILogger<FailoverEngine>>(), sp.GetRequiredService<StorageGrants>()));
        services.AddSingleton(sp => new PlannedOperations(
            node, sp.GetRequiredService<IHostLiveness>(), sp.GetRequiredService<IStorageFencer>(), sp.GetRequiredService<IDecisionJournal>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FailoverOptions>(), sp.GetRequiredService<ILogger<PlannedOperations>>(),
            sp.GetRequiredService<StorageGrants>()));
        services.AddSingleton(sp => new ExplainService(sp.GetRequiredService<IDecisionJournal>(), node, sp.GetRequiredService<IHostLiveness>()));
        services.AddHostedService(sp => new AlarmDelivery(sp.GetRequiredService<AlarmDispatcher>()));
    }
}

/// <summary>Delivers alarms, whether this node leads or not (a leader's last alarms still go out after it lost leadership).</summary>
internal sealed class AlarmDelivery(AlarmDispatcher alarms) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => alarms.RunAsync(stoppingToken);
}
