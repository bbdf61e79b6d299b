namespace HaWitness.Fencing.Targets.Tgt;

/// <summary>A tgt target as <c>tgtadm --op show --mode target</c> prints it.</summary>
internal sealed record TgtTarget(int Tid, string Name, string? State, IReadOnlyList<LunInfo> Luns, IReadOnlyList<string> Acls, IReadOnlyList<TgtNexus> Nexuses);

/// <summary>An I_T nexus (a session) with its connections.</summary>
internal sealed record TgtNexus(long Id, string Initiator, IReadOnlyList<TgtConnection> Connections);

/// <summary>A connection as <c>--mode conn</c> (or the nexus block) prints it.</summary>
internal sealed record TgtConnection(long Sid, long Cid, string Initiator, string? Address);
