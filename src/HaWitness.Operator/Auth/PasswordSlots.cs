namespace HaWitness.Operator.Auth;

/// <summary>
/// Bounds PBKDF2 work (hundreds of milliseconds of a core each) so that a flood of logins cannot
/// starve heartbeat acknowledgements: at most <see cref="Slots"/> hashes run at once (half the
/// cores, at least one), a source hashes one password at a time, and a caller waits at most
/// <see cref="Wait"/> for a slot. A caller that gets none is told to retry (503); it is not
/// counted as a failed login, so a flood never locks anyone out.
/// </summary>
internal sealed class PasswordSlots
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _slots;
    private readonly HashSet<string> _hashing = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public PasswordSlots(int? slots = null)
    {
        Slots = slots ?? Math.Max(1, Environment.ProcessorCount / 2);
        _slots = new SemaphoreSlim(Slots, Slots);
    }

    public int Slots { get; }

    /// <summary>Takes a slot for <paramref name="source"/>; false when that source is hashing already or no slot freed in time.</summary>
    public async ValueTask<bool> EnterAsync(string source, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_hashing.Add(source))
            {
                return false;
            }
        }

        bool entered = false;
        try
        {
            entered = await _slots.WaitAsync(Wait, cancellationToken).ConfigureAwait(false);
            return entered;
        }
        finally
        {
            if (!entered)
            {
                Forget(source);
            }
        }
    }

    /// <summary>Gives back the slot <see cref="EnterAsync"/> took.</summary>
    public void Exit(string source)
    {
        _slots.Release();
        Forget(source);
    }

    private void Forget(string source)
    {
        lock (_lock)
        {
            _hashing.Remove(source);
        }
    }
}
