namespace HaWitness.Core.Fencing;

/// <summary>Which host to fence or unfence, by its iSCSI initiator name, and why.</summary>
/// <param name="Host">The host's registered name (for the journal).</param>
/// <param name="InitiatorIqn">The host's iSCSI initiator IQN (validated before use).</param>
/// <param name="Reason">Why, in a few words (for the journal), e.g. "HostFailed committed at index 42".</param>
public sealed record FenceRequest(string Host, string InitiatorIqn, string Reason);
