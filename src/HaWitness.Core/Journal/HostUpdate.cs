using System.Text.Json.Nodes;

namespace HaWitness.Core.Journal;

/// <summary>The new state of a host row.</summary>
public sealed record HostUpdate(
    string Name,
    string State,
    string? Generation = null,
    bool Fenced = false,
    bool Maintenance = false,
    JsonObject? Facts = null);
