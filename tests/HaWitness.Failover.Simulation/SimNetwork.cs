namespace HaWitness.Failover.Simulation;

/// <summary>Who can talk to whom: nodes ("w" is the appliance, hosts by name) and cut links.</summary>
internal sealed class SimNetwork
{
    public const string Witness = "w";

    private readonly HashSet<(string, string)> _cut = [];
    private readonly HashSet<string> _isolated = new(StringComparer.Ordinal);

    public bool Reach(string a, string b) =>
        a == b || (!_isolated.Contains(a) && !_isolated.Contains(b) && !_cut.Contains(Key(a, b)));

    public void Cut(string a, string b) => _cut.Add(Key(a, b));

    public void Heal(string a, string b) => _cut.Remove(Key(a, b));

    public void Isolate(string node) => _isolated.Add(node);

    public void Reconnect(string node) => _isolated.Remove(node);

    public void HealAll()
    {
        _cut.Clear();
        _isolated.Clear();
    }

    public string Describe() =>
        string.Join(" ", _isolated.Order(StringComparer.Ordinal).Select(n => $"{n}:isolated")
            .Concat(_cut.Select(c => $"{c.Item1}-{c.Item2}:cut").Order(StringComparer.Ordinal)));

    private static (string, string) Key(string a, string b) => string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
}
