namespace HaWitness.Core.Journal;

public sealed partial class JournalStore
{
    private RefusalTally? _refusals;

    /// <summary>
    /// Where refused requests are counted (one summary row per source and minute instead of a row
    /// each). Created on first use; flushed when the journal closes.
    /// </summary>
    public RefusalTally Refusals
    {
        get
        {
            if (Volatile.Read(ref _refusals) is { } tally)
            {
                return tally;
            }

            var created = new RefusalTally(this, _time);
            if (Interlocked.CompareExchange(ref _refusals, created, null) is { } raced)
            {
                created.Dispose();
                return raced;
            }

            return created;
        }
    }
}
