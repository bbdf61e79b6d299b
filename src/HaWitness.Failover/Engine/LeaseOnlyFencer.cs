using System.Text.Json.Nodes;
using HaWitness.Core.Fencing;

namespace HaWitness.Failover.Engine;

/// <summary>
/// The storage wall when no target is configured (a <c>sim</c> demo, or a site without one yet):
/// it fences nothing, and says so; the engine then relies on the lease alone and journals that
/// plainly on every failover.
/// </summary>
internal sealed class LeaseOnlyFencer : IStorageFencer
{
    public bool IsConfigured => false;

    public Task<FenceOutcome> FenceAsync(FenceRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new FenceOutcome(false, false, "no storage target configured", [], "no storage target configured"));

    public Task<FenceOutcome> UnfenceAsync(FenceRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new FenceOutcome(true, true, "no storage target configured: nothing to grant", new JsonObject()));
}
