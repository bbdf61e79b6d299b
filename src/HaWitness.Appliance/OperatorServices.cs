using HaWitness.Cluster.Raft;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;
using HaWitness.Operator.Api;
using HaWitness.Operator.Auth;
using HaWitness.Operator.Https;
using HaWitness.Operator.Metrics;

namespace HaWitness.Appliance;

/// <summary>
/// The operators' side: admin credential, page sessions, login throttle, the snapshot the page,
/// API and metrics read, and the metrics themselves. Call after <see cref="FailoverServices"/>:
/// the storage fencer registered there is wrapped to count and time fences.
/// </summary>
internal static class OperatorServices
{
    public static void Register(IServiceCollection services, ApplianceOptions options, DataDirectory dataDir, RaftNode node)
    {
        services.AddSingleton(options.Http);
        services.AddSingleton(ListenPolicy.Evaluate(options.Urls, options.Http.AllowPlainHttp));
        services.AddSingleton(new AdminCredential(dataDir.Path));
        services.AddSingleton(sp => new LoginThrottle(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SessionStore(sp.GetRequiredService<AdminCredential>(), sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromMinutes(options.Http.SessionMinutes)));
        services.AddSingleton(new PasswordSlots());
        services.AddSingleton<AdminGate>();
        services.AddSingleton<OperatorState>();
        services.AddSingleton(sp =>
        {
            // The snapshot is resolved at scrape time: OperatorState needs the fencer, which needs these metrics.
            var metrics = new OperatorMetrics(() => sp.GetRequiredService<OperatorState>().Take(latest: 0), () => node.IsLeader);
            sp.GetRequiredService<JournalStore>().Refusals.OnCounted = metrics.Refused;
            node.State.Applied += (_, command, result) =>
            {
                if (result.Applied && command is HostFailed)
                {
                    metrics.FailoverCommitted();
                }
            };
            return metrics;
        });

        // Wrap whichever storage fencer FailoverServices registered (a target driver, or lease-only).
        var inner = services.Last(d => d.ServiceType == typeof(IStorageFencer));
        services.Remove(inner);
        services.AddSingleton<IStorageFencer>(sp => new MeteredFencer(Resolve(sp, inner), sp.GetRequiredService<OperatorMetrics>()));
    }

    private static IStorageFencer Resolve(IServiceProvider sp, ServiceDescriptor d) =>
        d.ImplementationInstance as IStorageFencer
        ?? (d.ImplementationFactory is { } factory
            ? (IStorageFencer)factory(sp)
            : (IStorageFencer)ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));
}
