namespace HaWitness.Core.Configuration;

/// <summary>
/// How the decision journal stays bounded (section <c>Journal</c>): WAL checkpoints, the
/// high-water mark kept beside it, and retention of old decisions and events.
/// </summary>
public sealed class JournalOptions
{
    /// <summary>How often the WAL is checkpointed into the journal and truncated to zero bytes.</summary>
    public int CheckpointIntervalMs { get; set; } = 60_000;

    /// <summary>
    /// How long the high-water mark (<c>journal.hwm</c>) may lag the last commit. A journal found
    /// shorter than the mark at open is refused; commits newer than the mark are not covered.
    /// </summary>
    public int HighWaterIntervalMs { get; set; } = 1000;

    /// <summary>SQLite <c>journal_size_limit</c>: bytes a WAL keeps after a checkpoint that could not truncate it.</summary>
    public long WalSizeLimitBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Decisions and events older than this many days are deleted (0: kept by age forever).</summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>At most this many decisions are kept, newest first (0: no count limit).</summary>
    public int MaxDecisions { get; set; } = 1_000_000;

    /// <summary>At most this many events are kept, newest first (0: no count limit).</summary>
    public int MaxEvents { get; set; } = 1_000_000;

    /// <summary>Checks the values; returns the first problem (naming the key) or null.</summary>
    public string? Validate() =>
        CheckpointIntervalMs is < 1000 or > 86_400_000 ? $"Journal:CheckpointIntervalMs = {CheckpointIntervalMs} is out of range; allowed 1000..86400000 ms"
        : HighWaterIntervalMs is < 10 or > 60_000 ? $"Journal:HighWaterIntervalMs = {HighWaterIntervalMs} is out of range; allowed 10..60000 ms"
        : WalSizeLimitBytes is < 0 or > 1L << 30 ? $"Journal:WalSizeLimitBytes = {WalSizeLimitBytes} is out of range; allowed 0..1073741824"
        : RetentionDays is < 0 or > 36_500 ? $"Journal:RetentionDays = {RetentionDays} is out of range; allowed 0..36500 (0: no age limit)"
        : MaxDecisions is not 0 and (< 1000 or > 100_000_000) ? $"Journal:MaxDecisions = {MaxDecisions} is out of range; allowed 0 (no limit) or 1000..100000000"
        : MaxEvents is not 0 and (< 1000 or > 100_000_000) ? $"Journal:MaxEvents = {MaxEvents} is out of range; allowed 0 (no limit) or 1000..100000000"
        : null;
}
