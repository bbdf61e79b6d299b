namespace HaWitness.Core.Fencing;

/// <summary>
/// The storage wall: cuts a host off every iSCSI target the appliance manages, and verifies it.
/// The failover engine calls this; the target drivers (tgt, LIO over SSH) implement it.
/// </summary>
public interface IStorageFencer
{
    /// <summary>
    /// False when no target is configured (a <c>sim</c> demo, or a site that has not set one up):
    /// failover then relies on the lease alone, and says so.
    /// </summary>
    bool IsConfigured { get; }

    /// <summary>
    /// Revokes the host's initiator on every target, drops its live sessions, re-reads and
    /// verifies none remains. Fencing an already fenced host is a verified no-op.
    /// Never throws for remote failures: an unverified fence comes back with <c>Verified = false</c>.
    /// </summary>
    Task<FenceOutcome> FenceAsync(FenceRequest request, CancellationToken cancellationToken);

    /// <summary>Grants the host's initiator again. Callers must have checked re-admission rules first.</summary>
    Task<FenceOutcome> UnfenceAsync(FenceRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Grants a newly joined host's initiator (the same target work as <see cref="UnfenceAsync"/>;
    /// a fencer that journals names it <c>GrantInitiator</c>). Callers go through the grant path
    /// (<c>HaWitness.Cluster.Grants.StorageGrants</c>), which checks that the host is neither
    /// failed nor fenced first.
    /// </summary>
    Task<FenceOutcome> GrantAsync(FenceRequest request, CancellationToken cancellationToken) => UnfenceAsync(request, cancellationToken);
}
