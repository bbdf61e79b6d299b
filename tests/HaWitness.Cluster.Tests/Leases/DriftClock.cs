using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Cluster.Tests.Leases;

/// <summary>A fake clock that runs at <see cref="Rate"/> times real time, driven by a shared real time in ms.</summary>
internal sealed class DriftClock
{
    private static readonly DateTimeOffset Epoch = new(2026, 11, 27, 3, 0, 0, TimeSpan.Zero);
    private double _realMs;

    public DriftClock(double rate)
    {
        Rate = rate;
        Time = new FakeTimeProvider(Epoch) { AutoAdvanceAmount = TimeSpan.Zero };
    }

    public double Rate { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>Moves this clock to real time <paramref name="realMs"/> (never backwards).</summary>
    public void At(double realMs)
    {
        if (realMs < _realMs)
        {
            throw new InvalidOperationException($"time goes forward: {realMs} < {_realMs}");
        }

        long targetTicks = (long)Math.Floor(realMs * Rate * TimeSpan.TicksPerMillisecond);
        long nowTicks = (Time.GetUtcNow() - Epoch).Ticks;
        if (targetTicks > nowTicks)
        {
            Time.Advance(TimeSpan.FromTicks(targetTicks - nowTicks));
        }

        _realMs = realMs;
    }

    /// <summary>The real time (ms) at which this clock reads <paramref name="local"/>.</summary>
    public double RealAt(DateTimeOffset local) => (local - Epoch).TotalMilliseconds / Rate;
}
