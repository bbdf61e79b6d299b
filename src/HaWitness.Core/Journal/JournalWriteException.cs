namespace HaWitness.Core.Journal;

/// <summary>A journal write failed; the decision it carried must not be acted on.</summary>
public sealed class JournalWriteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JournalWriteException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public JournalWriteException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public JournalWriteException()
    {
    }
}
