namespace HaWitness.Fencing.Targets.Lio;

/// <summary>A target portal group of an LIO iSCSI target.</summary>
/// <param name="Target">The target's IQN.</param>
/// <param name="Tpg">Its name: <c>tpg1</c> in targetcli, <c>tpgt_1</c> in configfs.</param>
/// <param name="GenerateNodeAcls">True when any initiator may log in; null when not shown (a disabled TPG).</param>
/// <param name="Enabled">False when the TPG is disabled.</param>
/// <param name="Acls">Initiator names with a node ACL.</param>
/// <param name="Luns">Its LUNs.</param>
internal sealed record LioTpg(string Target, string Tpg, bool? GenerateNodeAcls, bool Enabled, IReadOnlyList<string> Acls, IReadOnlyList<LunInfo> Luns);

/// <summary>What an LIO driver read: TPGs and live sessions.</summary>
internal sealed record LioState(IReadOnlyList<LioTpg> Tpgs, IReadOnlyList<SessionInfo> Sessions);
