using System.Text.Json.Nodes;
using HaWitness.Core.Journal;

namespace HaWitness.Appliance;

/// <summary>
/// Journals peers refused at the Raft TLS handshake (unknown CA, revoked identity): a decision row
/// per distinct reason, at most once a minute each, so a member knocking every heartbeat cannot
/// flood the journal.
/// </summary>
internal sealed class RefusalJournal(JournalStore journal, TimeProvider time)
{
    private readonly Dictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Refused(string reason)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_last.TryGetValue(reason, out var at) && now - at < TimeSpan.FromMinutes(1))
            {
                return;
            }

            _last[reason] = now;
        }

        journal.Append(new NewDecision("MemberRefused", Subjects.Cluster, Outcome.Refused, new JsonObject { ["summary"] = "Raft connection refused at the TLS handshake: " + reason, ["reason"] = reason, ["channel"] = "raft-tls" }));
    }
}
