namespace HaWitness.Cluster.Security;

/// <summary>What a member certificate lets its holder do in the Raft group.</summary>
public enum MemberRole
{
    /// <summary>A hypervisor host's agent: a standby voter that never leads and never opens a Raft connection.</summary>
    Host,

    /// <summary>An appliance: may lead, so it opens Raft connections (entries, votes, snapshots).</summary>
    Appliance,
}
