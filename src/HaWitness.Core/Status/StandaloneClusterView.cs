namespace HaWitness.Core.Status;

/// <summary>
/// The view when the appliance runs without a consensus group (no <c>--raft</c> endpoint):
/// there are no voters, so nothing can be decided, and the status says exactly that.
/// </summary>
public sealed class StandaloneClusterView : IClusterView
{
    /// <inheritdoc />
    public string? Leader => null;

    /// <inheritdoc />
    public long Term => 0;

    /// <inheritdoc />
    public QuorumStatus Quorum { get; } = new(0, 0, false, "no consensus group: the appliance runs standalone (no Raft endpoint configured), so it decides no failover");

    /// <inheritdoc />
    public long? LeaseAgeMs(string host) => null;
}
