namespace HaWitness.Core.Journal;

/// <summary>
/// The journal could not be opened. The message is one line an operator can act on;
/// the file is left exactly as it was found.
/// </summary>
public sealed class JournalOpenException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JournalOpenException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public JournalOpenException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public JournalOpenException()
    {
    }

    /// <summary>
    /// The journal itself is damaged, truncated or missing behind its high-water mark: what
    /// <c>hawitness db rebuild</c> may move aside. Not for a lock, a permission, a full or read-only
    /// disk, another application's file or a newer schema: those journals are sound.
    /// </summary>
    public bool Damaged { get; init; }
}
