namespace HaWitness.Fencing.Targets;

/// <summary>A typed failure of a target operation: what kind, and one line for people.</summary>
public sealed record TargetError(TargetErrorKind Kind, string Message)
{
    /// <summary>
    /// False for failures that retrying cannot fix without a person (bad input, an unsafe target,
    /// a changed host key, a rejected or missing key).
    /// </summary>
    public bool IsRetryable => Kind is not (TargetErrorKind.InvalidInput or TargetErrorKind.UnsafeTarget
        or TargetErrorKind.HostKeyMismatch or TargetErrorKind.AuthenticationFailed or TargetErrorKind.SshKeyUnusable);

    /// <inheritdoc />
    public override string ToString() => $"{Kind}: {Message}";
}
