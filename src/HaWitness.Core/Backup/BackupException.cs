namespace HaWitness.Core.Backup;

/// <summary>A backup could not be taken, or an archive was refused; the message is one line for the operator.</summary>
public sealed class BackupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BackupException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BackupException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BackupException()
    {
    }
}
