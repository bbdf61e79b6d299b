using System.Text.Json.Nodes;
using HaWitness.Core.Journal;

namespace HaWitness.Appliance;

/// <summary>
/// Journals peers refused at the Raft TLS handshake (unknown CA, revoked identity) through the
/// journal's <see cref="RefusalTally"/>: the first at once, then one row a minute with the count,
/// so a member knocking every heartbeat cannot flood the journal. The validator does not tell the
/// peer's address, so all Raft refusals share one source.
/// </summary>
internal sealed class RefusalJournal(JournalStore journal)
{
    public void Refused(string reason) =>
        journal.Refusals.Refused(new Refusal("raft-tls", "MemberRefused", Subjects.Cluster, "raft peer", reason,
            "Raft connection refused at the TLS handshake: " + reason, new JsonObject { ["channel"] = "raft-tls" }));
}
