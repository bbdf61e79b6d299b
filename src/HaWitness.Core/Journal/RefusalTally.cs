using System.Globalization;
using System.Text.Json.Nodes;

namespace HaWitness.Core.Journal;

/// <summary>
/// Counts refused requests per (kind, source) and window instead of journaling one fsynced row
/// each: a flood of wrong tokens or passwords must cost a counter, not the disk. The first
/// refusal of a quiet source is journaled at once, so the operator sees it without waiting; the
/// rest of its window become one summary row with their count. A source quiet for a whole window
/// starts over. Past <see cref="MaxSources"/> sources, new ones share one bucket, and at most
/// <see cref="MaxImmediatePerWindow"/> first rows are written per window, so a flood from many
/// addresses also writes a bounded number of rows.
/// </summary>
public sealed class RefusalTally : IDisposable
{
    /// <summary>Sources (per kind) counted apart; the rest share <see cref="OverflowSource"/>.</summary>
    public const int MaxSources = 256;

    /// <summary>First rows journaled at once per window, over all sources.</summary>
    public const int MaxImmediatePerWindow = 16;

    /// <summary>The source name of the shared bucket.</summary>
    public const string OverflowSource = "(other sources)";

    private readonly JournalStore _journal;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string Kind, string Source), Bucket> _buckets = [];
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private long? _immediateSince; // monotonic: a wall-clock step must not reopen or hold a window
    private int _immediate;
    private bool _disposed;

    /// <summary>Creates a tally writing to <paramref name="journal"/>; summaries are written within a quarter window after their window ends.</summary>
    public RefusalTally(JournalStore journal, TimeProvider time, TimeSpan? window = null)
    {
        _journal = journal;
        _time = time;
        Window = window ?? TimeSpan.FromMinutes(1);
        var tick = Window / 4;
        _timer = time.CreateTimer(_ => Flush(all: false), null, tick, tick);
    }

    /// <summary>The counting window.</summary>
    public TimeSpan Window { get; }

    /// <summary>Called with the kind of every refusal, journaled or only counted (the appliance's metrics).</summary>
    public Action<string>? OnCounted { get; set; }

    /// <summary>Counts a refusal; true when it was journaled on its own row now (callers log only then).</summary>
    public bool Refused(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        OnCounted?.Invoke(refusal.Kind);
        var now = _time.GetUtcNow();
        long ticks = _time.GetTimestamp();
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            var key = (refusal.Kind, refusal.Source);
            if (!_buckets.ContainsKey(key) && _buckets.Count >= MaxSources)
            {
                key = (refusal.Kind, OverflowSource);
            }

            if (_buckets.TryGetValue(key, out var open))
            {
                open.Count++;
                open.Last = refusal;
                return false;
            }

            if (_immediateSince is not { } started || _time.GetElapsedTime(started, ticks) >= Window)
            {
                _immediateSince = ticks;
                _immediate = 0;
            }

            bool immediate = key.Source != OverflowSource && _immediate < MaxImmediatePerWindow;
            _immediate += immediate ? 1 : 0;
            _buckets[key] = new Bucket { Since = now, Started = ticks, Count = immediate ? 0 : 1, Last = refusal };
            if (!immediate)
            {
                return false;
            }
        }

        var evidence = refusal.Evidence?.DeepClone().AsObject() ?? [];
        evidence["summary"] = refusal.Summary + " (more from this source are counted and journaled as one row per minute)";
        evidence["reason"] = refusal.Reason;
        evidence["remote"] = refusal.Source;
        evidence["count"] = 1;
        Write(new NewDecision(refusal.DecisionKind, refusal.Subject, Outcome.Refused, evidence));
        return true;
    }

    /// <summary>Journals the summaries of every window that has ended (all of them with <paramref name="all"/>).</summary>
    public void Flush(bool all)
    {
        var now = _time.GetUtcNow();
        long ticks = _time.GetTimestamp();
        var due = new List<(string Kind, string Source, int Count, DateTimeOffset Since, Refusal Last)>();
        lock (_lock)
        {
            var quiet = new List<(string, string)>();
            foreach (var (key, bucket) in _buckets)
            {
                if (!all && _time.GetElapsedTime(bucket.Started, ticks) < Window)
                {
                    continue;
                }

                if (bucket.Count == 0)
                {
                    quiet.Add(key);
                    continue;
                }

                due.Add((key.Kind, key.Source, bucket.Count, bucket.Since, bucket.Last));
                bucket.Count = 0;
                bucket.Since = now; // a steady flood keeps its bucket: one row per window
                bucket.Started = ticks;
            }

            foreach (var key in quiet)
            {
                _buckets.Remove(key);
            }
        }

        foreach (var (kind, source, count, since, last) in due)
        {
            string from = since.ToString("HH:mm:ss", CultureInfo.InvariantCulture), to = now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            Write(new NewDecision(last.DecisionKind, last.Subject, Outcome.Refused, new JsonObject
            {
                ["summary"] = $"{count} more refused {kind} request(s) from {source} between {from} and {to} UTC; the last: {last.Reason}",
                ["reason"] = last.Reason,
                ["remote"] = source,
                ["count"] = count,
                ["refusal"] = kind,
                ["fromMs"] = since.ToUnixTimeMilliseconds(),
                ["toMs"] = now.ToUnixTimeMilliseconds(),
            }));
        }
    }

    /// <summary>Stops the timer and journals what is still counted.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        Flush(all: true);
        lock (_lock)
        {
            _disposed = true;
        }
    }

    private void Write(NewDecision decision)
    {
        try
        {
            _journal.Append(decision);
        }
        catch (Exception ex) when (ex is JournalWriteException or ObjectDisposedException)
        {
            // The journal logged the failure; a refusal row is not worth failing a request or the timer for.
        }
    }

    private sealed class Bucket
    {
        /// <summary>When the window opened, for the row (wall clock).</summary>
        public DateTimeOffset Since { get; set; }

        /// <summary>When the window opened, for deciding when it ends (monotonic).</summary>
        public long Started { get; set; }

        public int Count { get; set; }

        public required Refusal Last { get; set; }
    }
}
