namespace HaWitness.Core.Status;

/// <summary>What the consensus layer tells the status page: leadership, quorum and host leases.</summary>
public interface IClusterView
{
    /// <summary>The current leader's name, or null when there is none.</summary>
    string? Leader { get; }

    /// <summary>The current Raft term.</summary>
    long Term { get; }

    /// <summary>Voters, how many are reachable, and why there is or is not quorum.</summary>
    QuorumStatus Quorum { get; }

    /// <summary>Milliseconds since the host's last acknowledged heartbeat, or null if never heard.</summary>
    long? LeaseAgeMs(string host);

    /// <summary>Every host with its state and facts.</summary>
    IReadOnlyList<HostStatus> Hosts();

    /// <summary>Every VM with its owner and state.</summary>
    IReadOnlyList<VmStatus> Vms();
}
