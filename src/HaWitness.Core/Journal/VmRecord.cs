namespace HaWitness.Core.Journal;

/// <summary>The journal's view of a virtual machine.</summary>
/// <param name="Name">VM name, unique in the cluster.</param>
/// <param name="Host">The host that owns it, or null when unplaced.</param>
/// <param name="State">One of <c>running</c>, <c>stopped</c>, <c>starting</c>, <c>failed</c>, <c>unplaced</c>.</param>
/// <param name="Priority">Restart priority: <c>high</c>, <c>medium</c>, <c>low</c>, <c>disabled</c>.</param>
/// <param name="Epoch">Ownership epoch: the log index of the assignment to <paramref name="Host"/>.</param>
/// <param name="Ha">Whether the VM is HA-protected.</param>
/// <param name="UpdatedAt">When this row last changed.</param>
public sealed record VmRecord(
    string Name,
    string? Host,
    string State,
    string Priority,
    long Epoch,
    bool Ha,
    DateTimeOffset UpdatedAt);
