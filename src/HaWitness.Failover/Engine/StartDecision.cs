using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;

namespace HaWitness.Failover.Engine;

/// <summary>What the engine does next about a VM that should run on an active host.</summary>
internal enum StartStep
{
    /// <summary>It runs and no start was watched: nothing to say.</summary>
    None,

    /// <summary>Its owner reports it running at its epoch: the watched start is confirmed.</summary>
    Confirmed,

    /// <summary>The try is still open, or its retry not yet due.</summary>
    Wait,

    /// <summary>The try failed: the owner reported an error at this epoch, or the deadline passed.</summary>
    Failed,

    /// <summary>The failed try's pause is over: start it again on the same host.</summary>
    Retry,
}

/// <summary>The next step and the watch it applies to (a fresh one when the VM's host or epoch changed).</summary>
/// <param name="Step">What to do.</param>
/// <param name="Watch">The start watch to keep for the VM; null once it runs.</param>
/// <param name="Error">The owner's start error, for <see cref="StartStep.Failed"/>; null for a timeout.</param>
internal readonly record struct StartNext(StartStep Step, StartWatch? Watch, string? Error);

/// <summary>
/// The pure half of confirming starts: from the VM's committed entry, what its owner reported (when
/// it applied the VM's epoch), the watch kept so far and the monotonic now, the next step. No clock,
/// no I/O, no state: the engine commits, journals and keeps the watch it returns.
/// </summary>
internal static class StartDecision
{
    public static StartNext Next(VmEntry vm, ReportedVm? reported, StartWatch? watch, DateTimeOffset now, TimeSpan startTimeout)
    {
        if (reported is { Running: true } && reported.Epoch == vm.Epoch)
        {
            return new StartNext(watch is null ? StartStep.None : StartStep.Confirmed, null, null);
        }

        if (watch is null || watch.Epoch != vm.Epoch || watch.Host != vm.Host)
        {
            watch = new StartWatch(vm.Host!, vm.Epoch, now + startTimeout, 1);
        }

        if (watch.RetryAt is { } retryAt)
        {
            return new StartNext(now >= retryAt ? StartStep.Retry : StartStep.Wait, watch, null);
        }

        string? refused = reported is { Running: false, Error: { } error } && reported.Epoch == vm.Epoch ? error : null;
        return refused is null && now < watch.Deadline
            ? new StartNext(StartStep.Wait, watch, null)
            : new StartNext(StartStep.Failed, watch, refused);
    }
}
