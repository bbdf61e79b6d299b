namespace HaWitness.Failover.Engine;

/// <summary>
/// What the engine holds in memory about one VM while it (re)starts it: the start it waits to see
/// confirmed, the hosts where its start failed (each avoided until a monotonic deadline), and what
/// was journaled once (its "not restarted", which also raised the alarm). Made on demand, dropped
/// once empty or once the VM is gone.
/// </summary>
internal sealed class VmRecovery
{
    private Dictionary<string, DateTimeOffset>? _avoid;

    public StartWatch? Start { get; set; }

    public SaidOnce Said { get; } = new();

    public bool IsEmpty => Start is null && (_avoid is null || _avoid.Count == 0) && Said.IsEmpty;

    /// <summary>Avoids <paramref name="host"/> for this VM until <paramref name="until"/> (monotonic).</summary>
    public void Avoid(string host, DateTimeOffset until)
    {
        _avoid ??= new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        _avoid[host] = until;
    }

    /// <summary>The hosts still avoided at <paramref name="now"/> (expired ones are dropped), or null for none.</summary>
    public IReadOnlyCollection<string>? Avoided(DateTimeOffset now)
    {
        if (_avoid is null)
        {
            return null;
        }

        foreach (var expired in _avoid.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList())
        {
            _avoid.Remove(expired);
        }

        return _avoid.Count == 0 ? null : _avoid.Keys;
    }

    /// <summary>Its start was confirmed: no host is avoided any more.</summary>
    public void AvoidNone() => _avoid = null;
}
