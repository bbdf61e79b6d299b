using HaWitness.Core.Configuration;

namespace HaWitness.Fencing.Ssh;

/// <summary>How to reach a target host over SSH.</summary>
/// <param name="Destination">User, host and port.</param>
/// <param name="KeyFile">The appliance's private key (OpenSSH format, no passphrase).</param>
/// <param name="KnownHostsFile">Pinned host keys; the host's key is pinned there on first use.</param>
/// <param name="ConnectTimeout">Limit for TCP connect, key exchange and authentication.</param>
/// <param name="CommandTimeout">Limit for one remote command.</param>
public sealed record SshSettings(
    SshDestination Destination,
    string KeyFile,
    string KnownHostsFile,
    TimeSpan ConnectTimeout,
    TimeSpan CommandTimeout);
