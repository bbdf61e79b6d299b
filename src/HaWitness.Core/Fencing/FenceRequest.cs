namespace HaWitness.Core.Fencing;

/// <summary>Which host to fence or unfence, by its iSCSI initiator name, and why.</summary>
/// <param name="Host">The host's registered name (for the journal).</param>
/// <param name="InitiatorIqn">The host's iSCSI initiator IQN (validated before use).</param>
/// <param name="Reason">Why, in a few words (for the journal), e.g. "HostFailed committed at index 42".</param>
/// <param name="StillAllowed">
/// For a grant: asked again once the target's one-at-a-time lock is held, right before acting; a
/// reason (not null) refuses it. The fence of a host that failed meanwhile is ordered against the
/// grant by that lock, so a grant checked before the failure can never land after the fence.
/// </param>
public sealed record FenceRequest(string Host, string InitiatorIqn, string Reason, Func<string?>? StillAllowed = null);
