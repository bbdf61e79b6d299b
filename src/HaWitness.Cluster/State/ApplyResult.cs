namespace HaWitness.Cluster.State;

/// <summary>
/// What applying a committed command did. A rejected command changes nothing; every member
/// rejects it the same way because the rule runs on the same state.
/// </summary>
/// <param name="Applied">False when the command was rejected.</param>
/// <param name="Reason">Why it was rejected (or a note when applied).</param>
public readonly record struct ApplyResult(bool Applied, string? Reason)
{
    /// <summary>The command changed the state.</summary>
    public static ApplyResult Ok { get; } = new(true, null);

    /// <summary>The command was rejected; nothing changed.</summary>
    public static ApplyResult Reject(string reason) => new(false, reason);
}
