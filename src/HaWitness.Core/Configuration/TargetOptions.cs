namespace HaWitness.Core.Configuration;

/// <summary>
/// The iSCSI target the appliance fences on (section <c>Target</c>; keys as in
/// <c>docs/configuration.md</c>). The <c>hawitness target</c> command takes its defaults from here.
/// </summary>
public sealed class TargetOptions
{
    /// <summary><c>tgt</c> (tgtadm) or <c>lio</c> (targetcli, or raw configfs when targetcli is absent).</summary>
    public string Driver { get; set; } = "tgt";

    /// <summary>
    /// True: <c>serve</c> fences failed hosts through this target (the storage wall) and grants
    /// joining hosts. False (the default, and any site without a target yet): failover relies on
    /// the lease alone and says so on every failover. The <c>hawitness target</c> commands work either way.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>Where to log in, <c>USER@HOST[:PORT]</c>; usually the storage box itself.</summary>
    public string Ssh { get; set; } = "root@127.0.0.1:22";

    /// <summary>The appliance's private key (OpenSSH format); default <c>DATA/ssh/id_ed25519</c>.</summary>
    public string? SshKey { get; set; }

    /// <summary>Pinned host keys (OpenSSH known_hosts format); default <c>DATA/ssh/known_hosts</c>.</summary>
    public string? KnownHosts { get; set; }

    /// <summary>How long an SSH connect may take, in milliseconds.</summary>
    public int ConnectTimeoutMs { get; set; } = 5000;

    /// <summary>How long one remote command may take, in milliseconds.</summary>
    public int CommandTimeoutMs { get; set; } = 10000;

    /// <summary>Run the target tools through <c>sudo -n</c> (for a non-root login).</summary>
    public bool Sudo { get; set; }

    /// <summary>tgt: tgtd's control port (<c>tgtd -C N</c>; 0 is tgtd's default).</summary>
    public int TgtControlPort { get; set; }

    /// <summary>tgt: where the persisted ACL file <c>hawitness.conf</c> is written; empty = do not persist.</summary>
    public string TgtConfDirectory { get; set; } = "/etc/tgt/conf.d";

    /// <summary>LIO: <c>auto</c> (targetcli when installed, else configfs), <c>targetcli</c> or <c>configfs</c>.</summary>
    public string LioMode { get; set; } = "auto";

    /// <summary>How many times a fence is tried before it is reported FAILED.</summary>
    public int FenceAttempts { get; set; } = 3;

    /// <summary>Pause between fence attempts, in milliseconds.</summary>
    public int FenceRetryDelayMs { get; set; } = 500;
}
