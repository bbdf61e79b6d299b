namespace HaWitness.Core.Journal;

/// <summary>What <see cref="JournalRebuild.Run"/> did.</summary>
/// <param name="Reason">Why the journal was refused (the open error), or null when it was healthy and left alone.</param>
/// <param name="MovedTo">The folder holding the damaged files, as they were.</param>
/// <param name="ReadableDecisions">The highest decision id still readable in the damaged copy (0: none).</param>
/// <param name="HighWater">The high-water mark found beside it, if any: decisions above <paramref name="ReadableDecisions"/> up to it are lost.</param>
/// <param name="Hosts">Host rows seeded from the damaged copy.</param>
/// <param name="Vms">VM rows seeded from the damaged copy.</param>
/// <param name="Elapsed">How long the rebuild took.</param>
public sealed record RebuildResult(
    string? Reason,
    string? MovedTo,
    long ReadableDecisions,
    HighWaterMark? HighWater,
    int Hosts,
    int Vms,
    TimeSpan Elapsed);
