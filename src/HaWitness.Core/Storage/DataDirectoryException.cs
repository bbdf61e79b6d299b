namespace HaWitness.Core.Storage;

/// <summary>The data directory cannot be used; the message says why in one line.</summary>
public sealed class DataDirectoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataDirectoryException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DataDirectoryException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DataDirectoryException()
    {
    }

    /// <summary>True when another process holds the directory's lock (a running appliance).</summary>
    public bool InUse { get; init; }
}
