namespace HaWitness.Cluster.Grants;

/// <summary>Why a host's initiator is granted.</summary>
public enum GrantPurpose
{
    /// <summary>A healthy host joined (or joined again): journaled as <c>GrantInitiator</c>.</summary>
    Join,

    /// <summary>A failed, fenced host is admitted again (rule 4): journaled as <c>UnfenceHost</c>.</summary>
    Readmission,
}

/// <summary>
/// What the re-admission caller checked for ARCHITECTURE rule 4 ("never re-admit a stale writer"):
/// the host came back with <paramref name="Generation"/> and reports none of the moved VMs running,
/// or an operator vouched for it (<paramref name="ByOperator"/>). The grant path checks what it can
/// against the committed state again (failed, fenced, a generation other than the one that failed,
/// unless by operator) and journals <paramref name="Evidence"/>.
/// </summary>
public sealed record Rule4Warrant(string Generation, bool ByOperator, string Evidence);

/// <summary>One host's grant, as a caller asks for it.</summary>
/// <param name="Host">The host's registered name.</param>
/// <param name="InitiatorIqn">Its registered initiator (a mismatch with the committed state is refused).</param>
/// <param name="Purpose">Join or re-admission.</param>
/// <param name="Generation">The generation the caller saw registered (a newer one supersedes this grant).</param>
/// <param name="Reason">A few words for the journal.</param>
/// <param name="Warrant">Required for <see cref="GrantPurpose.Readmission"/>, refused for a join.</param>
public sealed record GrantRequest(string Host, string InitiatorIqn, GrantPurpose Purpose, string Generation, string Reason, Rule4Warrant? Warrant = null)
{
    /// <summary>A join's grant: the host must be active and not fenced.</summary>
    public static GrantRequest Join(string host, string initiatorIqn, string generation, string reason) =>
        new(host, initiatorIqn, GrantPurpose.Join, generation, reason);

    /// <summary>A re-admission's grant, with the rule-4 checks the caller made.</summary>
    public static GrantRequest Readmission(string host, string initiatorIqn, Rule4Warrant warrant) =>
        new(host, initiatorIqn, GrantPurpose.Readmission, warrant.Generation,
            (warrant.ByOperator ? "operator re-admission: " : "re-admission: ") + warrant.Evidence, warrant);
}

/// <summary>
/// How often and how long a grant is retried: the pause after try <c>n</c> is
/// <see cref="FirstRetry"/>·2^(n-1), at most <see cref="MaxRetry"/>, on the monotonic clock;
/// a grant running in the background (<see cref="StorageGrants.Begin"/>) stops after
/// <see cref="MaxTries"/> tries.
/// </summary>
public sealed record GrantPolicy(TimeSpan FirstRetry, TimeSpan MaxRetry, int MaxTries)
{
    /// <summary>1 s doubling to 15 s (the fence's pauses, <c>Failover:FenceRetryMs</c> / <c>FenceRetryMaxMs</c>), 20 tries: about 4 minutes.</summary>
    public static readonly GrantPolicy Default = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15), 20);

    /// <summary>The default bound with these pauses (milliseconds).</summary>
    public static GrantPolicy Backoffs(int firstMs, int maxMs) =>
        new(TimeSpan.FromMilliseconds(firstMs), TimeSpan.FromMilliseconds(Math.Max(firstMs, maxMs)), Default.MaxTries);

    /// <summary>The pause after the failed try number <paramref name="tries"/> (1-based).</summary>
    public TimeSpan Backoff(int tries)
    {
        double ms = FirstRetry.TotalMilliseconds * Math.Pow(2, Math.Clamp(tries - 1, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxRetry.TotalMilliseconds));
    }
}

/// <summary>What one try of a grant came to.</summary>
/// <param name="Host">The host.</param>
/// <param name="Try">Which try (1-based).</param>
/// <param name="Verified">True only when the target was re-read and shows the grant.</param>
/// <param name="Refused">True when a precondition failed: nothing was done and the grant is not retried.</param>
/// <param name="Summary">One line for people.</param>
/// <param name="Error">Why it failed or was refused.</param>
/// <param name="NextTryIn">When the path (or its caller) tries again; null when it does not.</param>
public sealed record GrantTry(string Host, int Try, bool Verified, bool Refused, string Summary, string? Error, TimeSpan? NextTryIn)
{
    /// <summary>True when a try failed at the target (or the journal) and may be tried again.</summary>
    public bool Failed => !Verified && !Refused;
}

/// <summary>Where a failed grant raises its alarm (the appliance delivers it as a <c>GrantFailed</c> alarm).</summary>
public interface IGrantAlarms
{
    /// <summary>One try of granting <paramref name="host"/> failed; never blocks, never throws.</summary>
    void GrantFailed(string host, string summary);
}
