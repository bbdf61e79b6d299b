namespace HaWitness.Fencing.Targets;

/// <summary>Everything a driver read from the target host.</summary>
/// <param name="Targets">Every target (tgt) or target portal group (LIO).</param>
/// <param name="Sessions">Every live session, of any initiator.</param>
public sealed record TargetInventory(IReadOnlyList<TargetInfo> Targets, IReadOnlyList<SessionInfo> Sessions)
{
    /// <summary>The live sessions of <paramref name="initiator"/>.</summary>
    public IReadOnlyList<SessionInfo> SessionsOf(string initiator) =>
        Sessions.Where(s => string.Equals(s.Initiator, initiator, StringComparison.Ordinal)).ToList();

    /// <summary>The targets whose ACL names <paramref name="initiator"/>.</summary>
    public IReadOnlyList<TargetInfo> GrantedTo(string initiator) =>
        Targets.Where(t => t.Initiators.Contains(initiator, StringComparer.Ordinal)).ToList();
}

/// <summary>One target as read.</summary>
/// <param name="Name">The target's IQN.</param>
/// <param name="Locator">Where it is within its driver: <c>tid 1</c> (tgt), <c>tpg1</c> (LIO).</param>
/// <param name="Luns">Its logical units.</param>
/// <param name="Initiators">Initiator names allowed to log in (name ACLs).</param>
/// <param name="UnsafeReason">Why HaWitness refuses to manage it (an <c>ALL</c> or other address
/// ACL, <c>generate_node_acls=1</c>, a malformed entry), or null when it is safe.</param>
public sealed record TargetInfo(
    string Name,
    string Locator,
    IReadOnlyList<LunInfo> Luns,
    IReadOnlyList<string> Initiators,
    string? UnsafeReason);

/// <summary>A logical unit.</summary>
/// <param name="Number">LUN number.</param>
/// <param name="Backing">Backing store (path or backstore name), when the driver shows it.</param>
public sealed record LunInfo(int Number, string? Backing);

/// <summary>A live iSCSI session.</summary>
/// <param name="Target">The target's IQN (empty where the driver does not show it: LIO's session list).</param>
/// <param name="Initiator">The initiator's name.</param>
/// <param name="SessionId">The target's id for it.</param>
/// <param name="ConnectionId">The connection id, where shown.</param>
/// <param name="Address">The initiator's address, where shown.</param>
public sealed record SessionInfo(string Target, string Initiator, string SessionId, string? ConnectionId, string? Address)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Initiator}{(Target.Length > 0 ? " on " + Target : string.Empty)} sid {SessionId}" +
        (ConnectionId is null ? string.Empty : " cid " + ConnectionId) +
        (Address is null ? string.Empty : " from " + Address);
}
