namespace HaWitness.Cluster.Leases;

/// <summary>
/// ARCHITECTURE rule 2, as a pure function. An agent whose lease expired self-fences if a peer
/// it reaches holds a lease (a leader exists that cannot hear this host), or if the voters it
/// cannot reach could form a majority without it (a leader could exist there). Otherwise nobody
/// can fence it — no majority can be formed without it — and its VMs keep running.
/// </summary>
/// <remarks>
/// "The unreachable voters could form a majority" is the exact form of the founders' "cannot reach
/// a majority": they differ only when the agent reaches exactly half of an even voter set, which
/// dynamic quorum makes common (the witness plus one host: when the witness goes down, the host
/// reaches 1 of 2, and the witness alone can decide nothing, so the host keeps its VMs).
/// </remarks>
public static class SelfFencePolicy
{
    /// <summary>Decides from the agent's lease and its peers' answers.</summary>
    /// <param name="leaseValid">The agent's own lease holds.</param>
    /// <param name="voters">Size of the voter set (appliances + voting hosts), from the newest configuration the agent knows of (its own or a peer's).</param>
    /// <param name="peers">Every other voting host, reachable or not, with its answer.</param>
    public static SelfFenceVerdict Decide(bool leaseValid, int voters, IReadOnlyCollection<PeerAnswer> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        if (leaseValid)
        {
            return new SelfFenceVerdict(false, "lease held");
        }

        var leased = peers.FirstOrDefault(p => p.Reachable && p.LeaseValid);
        if (leased is not null)
        {
            return new SelfFenceVerdict(true, $"peer {leased.Host} has a leader that does not hear this host");
        }

        int reachable = Math.Min(voters, 1 + peers.Count(p => p.Reachable));
        int majority = voters / 2 + 1;
        if (voters - reachable >= majority)
        {
            return new SelfFenceVerdict(true, $"isolated: reaches {reachable} of {voters} voters; the other {voters - reachable} could form a majority ({majority}) without this host");
        }

        return new SelfFenceVerdict(false, $"no leader anywhere: reaches {reachable} of {voters} voters, none has a leader, and no majority can be formed without this host");
    }
}

/// <summary>A peer's answer to the isolation probe.</summary>
/// <param name="Host">Peer host name.</param>
/// <param name="Reachable">It answered within the probe timeout (authenticated).</param>
/// <param name="LeaseValid">Its own lease holds: it hears a leader.</param>
/// <param name="ConfigIndex">The log index of the state it has applied (newest view wins).</param>
/// <param name="Voters">The voter count in that view.</param>
public sealed record PeerAnswer(string Host, bool Reachable, bool LeaseValid, long ConfigIndex = 0, int Voters = 0);

/// <summary>The verdict: fence or keep running, and why (journaled locally, reported on reconnect).</summary>
public sealed record SelfFenceVerdict(bool Fence, string Reason);
