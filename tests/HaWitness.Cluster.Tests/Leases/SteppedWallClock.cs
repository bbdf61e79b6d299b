using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Cluster.Tests.Leases;

/// <summary>
/// A test clock whose wall clock can be stepped (as NTP or an operator steps it) while its
/// monotonic clock runs on undisturbed: <see cref="Advance"/> moves both, <see cref="StepWall"/>
/// moves only the wall clock. FakeTimeProvider alone moves both together.
/// </summary>
internal sealed class SteppedWallClock : TimeProvider
{
    private readonly FakeTimeProvider _inner = new(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = TimeSpan.Zero };
    private TimeSpan _step;

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow() + _step;

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _inner.CreateTimer(callback, state, dueTime, period);

    /// <summary>Real time passes: both clocks move.</summary>
    public void Advance(TimeSpan by) => _inner.Advance(by);

    /// <summary>The wall clock is stepped; no time passes.</summary>
    public void StepWall(TimeSpan by) => _step += by;
}
