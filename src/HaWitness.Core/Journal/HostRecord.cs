namespace HaWitness.Core.Journal;

/// <summary>The journal's view of a hypervisor host.</summary>
/// <param name="Name">Registered host name.</param>
/// <param name="State">One of <c>online</c>, <c>suspect</c>, <c>failed</c>, <c>fenced</c>, <c>maintenance</c>, <c>offline</c>.</param>
/// <param name="Generation">The agent's boot generation id, if known.</param>
/// <param name="Fenced">Whether the host is cut off the storage.</param>
/// <param name="Maintenance">Whether the host is in planned maintenance.</param>
/// <param name="FactsJson">The host's registered facts (IQN, endpoints, capacity) as a JSON object.</param>
/// <param name="UpdatedAt">When this row last changed.</param>
public sealed record HostRecord(
    string Name,
    string State,
    string? Generation,
    bool Fenced,
    bool Maintenance,
    string FactsJson,
    DateTimeOffset UpdatedAt);
