using System.Diagnostics;
using HaWitness.Core.Fencing;

namespace HaWitness.Operator.Metrics;

/// <summary>Counts and times every fence the engine asks for; everything else passes through.</summary>
internal sealed class MeteredFencer(IStorageFencer inner, OperatorMetrics metrics) : IStorageFencer
{
    public bool IsConfigured => inner.IsConfigured;

    public async Task<FenceOutcome> FenceAsync(FenceRequest request, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        var outcome = await inner.FenceAsync(request, cancellationToken).ConfigureAwait(false);
        string label = !inner.IsConfigured ? "lease_only" : outcome.NoOp ? "noop" : outcome.Verified ? "verified" : "failed";
        metrics.Fenced(label, Stopwatch.GetElapsedTime(start));
        return outcome;
    }

    public Task<FenceOutcome> UnfenceAsync(FenceRequest request, CancellationToken cancellationToken) => inner.UnfenceAsync(request, cancellationToken);

    public Task<FenceOutcome> GrantAsync(FenceRequest request, CancellationToken cancellationToken) => inner.GrantAsync(request, cancellationToken);
}
