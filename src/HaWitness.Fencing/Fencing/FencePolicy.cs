namespace HaWitness.Fencing;

/// <summary>How hard the fencer tries before it reports a fence FAILED.</summary>
/// <param name="Attempts">Tries in all (1..10).</param>
/// <param name="RetryDelay">Pause between tries.</param>
public sealed record FencePolicy(int Attempts, TimeSpan RetryDelay)
{
    /// <summary>3 tries, 500 ms apart.</summary>
    public static FencePolicy Default { get; } = new(3, TimeSpan.FromMilliseconds(500));
}
