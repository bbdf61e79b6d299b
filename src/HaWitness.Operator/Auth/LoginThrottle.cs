namespace HaWitness.Operator.Auth;

/// <summary>
/// Slows down password guessing per remote address: the first <see cref="FreeFailures"/> failures
/// cost nothing, each one after that locks the address out for twice as long as the last
/// (1 s, 2 s, 4 s ... up to 5 minutes). A success clears the address. On the appliance's clock.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time)
{
    public const int FreeFailures = 3;
    public static readonly TimeSpan BaseLockout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxLockout = TimeSpan.FromMinutes(5);
    private const int MaxTracked = 10_000;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>How long <paramref name="remote"/> must still wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string remote)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            return _entries.TryGetValue(remote, out var e) && e.LockedUntil > now ? e.LockedUntil - now : null;
        }
    }

    /// <summary>Counts a failure; returns the failures so far and the lockout it starts (zero while free).</summary>
    public (int Failures, TimeSpan Lockout) Failed(string remote)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_entries.Count >= MaxTracked && !_entries.ContainsKey(remote))
            {
                Prune(now);
            }

            var e = _entries.TryGetValue(remote, out var old) && now - old.LastFailure < MaxLockout * 2 ? old : new Entry(0, now, now);
            int failures = e.Failures + 1;
            var lockout = failures <= FreeFailures
                ? TimeSpan.Zero
                : TimeSpan.FromTicks(Math.Min(MaxLockout.Ticks, BaseLockout.Ticks << Math.Min(failures - FreeFailures - 1, 20)));
            _entries[remote] = new Entry(failures, now, now + lockout);
            return (failures, lockout);
        }
    }

    /// <summary>Forgets <paramref name="remote"/>'s failures.</summary>
    public void Succeeded(string remote)
    {
        lock (_gate)
        {
            _entries.Remove(remote);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var key in _entries.Where(kv => kv.Value.LockedUntil <= now).Select(kv => kv.Key).ToList())
        {
            _entries.Remove(key);
        }

        if (_entries.Count >= MaxTracked)
        {
            // Under a flood from very many addresses: forget the oldest half rather than grow without bound.
            foreach (var key in _entries.OrderBy(kv => kv.Value.LastFailure).Take(MaxTracked / 2).Select(kv => kv.Key).ToList())
            {
                _entries.Remove(key);
            }
        }
    }

    private readonly record struct Entry(int Failures, DateTimeOffset LastFailure, DateTimeOffset LockedUntil);
}
