namespace HaWitness.Failover.Engine;

/// <summary>
/// The last text journaled per topic for one host or VM: a condition that lasts is one journal
/// row, not one per tick.
/// </summary>
internal sealed class SaidOnce
{
    private Dictionary<string, string>? _last;

    public bool IsEmpty => _last is null || _last.Count == 0;

    /// <summary>Records <paramref name="text"/> under <paramref name="topic"/>; false when it is what was said last.</summary>
    public bool Say(string topic, string text)
    {
        _last ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (_last.TryGetValue(topic, out var last) && string.Equals(last, text, StringComparison.Ordinal))
        {
            return false;
        }

        _last[topic] = text;
        return true;
    }

    /// <summary>The condition ended: the next time it holds, it is said again.</summary>
    public void Forget(string topic) => _last?.Remove(topic);

    public void Clear() => _last = null;
}
