namespace HaWitness.Fencing.Targets;

/// <summary>
/// Carries a <see cref="TargetError"/> out of the SSH layer and the drivers. It never crosses the
/// library's outer boundary: <see cref="Fencing.StorageFencer"/> turns it into an outcome value, and
/// the CLI into an exit code and one line.
/// </summary>
public sealed class TargetException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public TargetException(TargetError error, Exception? inner = null)
        : base(error?.Message, inner)
    {
        Error = error ?? throw new ArgumentNullException(nameof(error));
    }

    /// <summary>Creates a <see cref="TargetErrorKind.ConnectionFailed"/> error.</summary>
    public TargetException()
        : this(new TargetError(TargetErrorKind.ConnectionFailed, "target operation failed"))
    {
    }

    /// <summary>Creates a <see cref="TargetErrorKind.ConnectionFailed"/> error with a message.</summary>
    public TargetException(string message)
        : this(new TargetError(TargetErrorKind.ConnectionFailed, message))
    {
    }

    /// <summary>Creates a <see cref="TargetErrorKind.ConnectionFailed"/> error with a message and cause.</summary>
    public TargetException(string message, Exception inner)
        : this(new TargetError(TargetErrorKind.ConnectionFailed, message), inner)
    {
    }

    /// <summary>The typed error.</summary>
    public TargetError Error { get; }

    /// <summary>Throws a <see cref="TargetException"/> of <paramref name="kind"/>.</summary>
    public static TargetException Of(TargetErrorKind kind, string message, Exception? inner = null) =>
        new(new TargetError(kind, message), inner);
}
