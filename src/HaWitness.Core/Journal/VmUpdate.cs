namespace HaWitness.Core.Journal;

/// <summary>The new state of a VM row.</summary>
public sealed record VmUpdate(
    string Name,
    string? Host,
    string State,
    string Priority = "medium",
    long Epoch = 0,
    bool Ha = true);
