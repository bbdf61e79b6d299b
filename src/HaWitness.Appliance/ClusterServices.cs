using System.Net;
using HaWitness.Cluster;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Quorum;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Core.Status;
using HaWitness.Core.Storage;

namespace HaWitness.Appliance;

/// <summary>
/// The appliance's consensus layer: cluster CA, its own Raft member (leader-eligible, cold start
/// on first run), leases, joins and heartbeats, and the leader's duties loop.
/// </summary>
internal static class ClusterServices
{
    public static async Task<RaftNode> StartRaftAsync(ApplianceOptions options, DataDirectory dataDir, ClusterCa ca, ClusterState state, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var endPoint = IPEndPoint.Parse(options.Raft);
        string identityDir = dataDir.File("raft-identity");
        Directory.CreateDirectory(identityDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var identity = MemberIdentity.LoadOrCreate(identityDir);
        using (var own = ca.Issue(identity.CreateSigningRequestPem("appliance"), "appliance", endPoint, MemberRole.Appliance))
        {
            identity.SaveCertificates(own.ExportCertificatePem(), ca.CertificatePem);
        }

        return await RaftNode.StartAsync(new RaftNodeOptions
        {
            Directory = dataDir.File("raft"),
            EndPoint = endPoint,
            LeaderEligible = true,
            ColdStart = true,
            Certificate = identity.Certificate(),
            ClusterCa = identity.ClusterCa(),
        }, loggers, state, cancellationToken).ConfigureAwait(false);
    }

    public static void Register(IServiceCollection services, ApplianceOptions options, DataDirectory dataDir, ClusterCa ca, RaftNode node)
    {
        services.AddSingleton(ca);
        services.AddSingleton(node);
        services.AddSingleton<ICommandLog>(node);
        services.AddSingleton<IMembership>(node);
        services.AddSingleton(options.Lease);
        services.AddSingleton(new JoinToken(dataDir.Path));
        services.AddSingleton(new MemberKeys(dataDir.Path));
        services.AddSingleton(sp =>
        {
            var tracker = new HostLeaseTracker(options.Lease, sp.GetRequiredService<TimeProvider>(), () => node.View);
            node.State.Applied += (_, command, result) =>
            {
                if (result.Applied && command is RegisterHost registered)
                {
                    tracker.Registered(registered.Name);
                }
            };
            return tracker;
        });
        services.AddSingleton<IHostLiveness>(sp => sp.GetRequiredService<HostLeaseTracker>());
        services.AddSingleton(new VmPolicy(options.DefaultHa, Enum.Parse<VmPriority>(options.DefaultPriority, ignoreCase: true)));
        services.AddSingleton<HaWitness.Core.Journal.IJournalWriter>(sp => sp.GetRequiredService<JournalStore>());
        services.AddSingleton<LeaderDuties>();
        services.AddSingleton(sp => new JoinService(
            sp.GetRequiredService<JoinToken>(), sp.GetRequiredService<MemberKeys>(), ca, node, node,
            sp.GetRequiredService<JournalStore>(), options.Lease, options.Raft, () => node.IsLeader,
            sp.GetRequiredService<ILogger<JoinService>>(), sp.GetService<HaWitness.Cluster.Grants.StorageGrants>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new HeartbeatService(
            sp.GetRequiredService<MemberKeys>(), node, sp.GetRequiredService<HostLeaseTracker>(), () => node.IsLeader,
            () => (node.Term, node.Leader?.ToString() ?? string.Empty, node.AppliedIndex)));
        // VM states by the failover engine's rule, so that /api/v1/status, /api/v1/failover and the page agree.
        services.AddSingleton(sp =>
        {
            var tracker = sp.GetRequiredService<HostLeaseTracker>();
            return new QuorumView(node, tracker, sp.GetRequiredService<LeaderDuties>(), sp.GetRequiredService<TimeProvider>(),
                (view, vm) => Failover.Status.FailoverStatusBuilder.VmState(view, tracker, vm));
        });
        services.AddSingleton<IClusterView>(sp => sp.GetRequiredService<QuorumView>());
        services.AddSingleton(sp => new StateJournaler(sp.GetRequiredService<JournalStore>(), node.State));
        services.AddHostedService<LeaderLoop>();
        services.AddSingleton(sp => new RefusalJournal(sp.GetRequiredService<JournalStore>()));
    }
}
