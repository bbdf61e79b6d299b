namespace HaWitness.Core.Configuration;

/// <summary>
/// The host agent's settings (<c>/etc/hawitness/agent.json</c>, <c>HAWITNESS_AGENT_*</c>
/// variables, then command-line options).
/// </summary>
public sealed class AgentOptions
{
    /// <summary>The configuration file read when <c>--config</c> is not given.</summary>
    public const string DefaultConfigFile = "/etc/hawitness/agent.json";

    /// <summary>Prefix of environment variables that override the file.</summary>
    public const string EnvironmentPrefix = "HAWITNESS_AGENT_";

    /// <summary>The appliance's API, e.g. <c>http://10.0.0.1:8080</c> (<c>--witness</c>).</summary>
    public string? Witness { get; set; }

    /// <summary>The cluster's join token (<c>--join-token</c>: visible to <c>ps</c>; prefer <see cref="JoinTokenFile"/>).</summary>
    public string? JoinToken { get; set; }

    /// <summary>A file holding the join token, read at start (<c>--join-token-file</c>; <c>-</c> on the command line reads stdin).</summary>
    public string? JoinTokenFile { get; set; }

    /// <summary>
    /// SHA-256 fingerprint of the appliance's HTTPS certificate (<c>--witness-fingerprint</c>): the agent
    /// talks to the appliance only if its certificate has this hash, whatever its chain or names.
    /// </summary>
    public string? WitnessFingerprint { get; set; }

    /// <summary>This host's name in the cluster (<c>--name</c>; default: the machine name).</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>Hypervisor driver: <c>sim</c>, <c>vix</c>, <c>vmrun</c> or <c>libvirt</c> (<c>--hypervisor</c>).</summary>
    public string Hypervisor { get; set; } = "libvirt";

    /// <summary>Local state: generation id, journal, Raft log (<c>--data</c>).</summary>
    public string DataDirectory { get; set; } = "./var/hawitness-agent";

    /// <summary>This agent's Raft endpoint, <c>IP:PORT</c> (<c>--raft</c>).</summary>
    public string Raft { get; set; } = "127.0.0.1:7420";

    /// <summary>With the <c>sim</c> hypervisor: how many simulated VMs this host starts with.</summary>
    public int SimVms { get; set; }

    /// <summary>Where peers ask this agent whether it hears a leader, <c>IP:PORT</c> (default: the Raft address, port + 1).</summary>
    public string? Probe { get; set; }

    /// <summary>This host's iSCSI initiator name (default: <c>/etc/iscsi/initiatorname.iscsi</c>, else one derived from the name).</summary>
    public string? InitiatorIqn { get; set; }

    /// <summary>What to do with HA VMs when isolated: <c>power-off</c> (hard), <c>shutdown</c> (guest, then hard at the bound) or <c>none</c>.</summary>
    public string IsolationResponse { get; set; } = "power-off";

    /// <summary>
    /// T_off: the bound on powering this host's VMs off when it fences itself, ms. The appliance waits
    /// for it. 0 (the default): the bound measured for the hypervisor driver (<see cref="PowerOffBounds"/>).
    /// </summary>
    public int PowerOffBoundMs { get; set; }

    /// <summary>Hypervisor call timeout, ms: a hanging hypervisor call fails after this.</summary>
    public int HypervisorTimeoutMs { get; set; } = 10_000;

    /// <summary>libvirt: connection URI (default: <c>LIBVIRT_DEFAULT_URI</c>, else <c>qemu:///system</c>).</summary>
    public string? LibvirtUri { get; set; }

    /// <summary>VIX: path of <c>libvixAllProducts.so</c>.</summary>
    public string VixLibrary { get; set; } = "/usr/lib/vmware-vix/libvixAllProducts.so";

    /// <summary>VIX: <c>workstation</c>, <c>server</c> (VMware Server 1.x), <c>vi</c> (ESX, vCenter, Server 2), <c>player</c>.</summary>
    public string VixProvider { get; set; } = "workstation";

    /// <summary>VIX / vmrun: the host to connect to (server and vi providers), e.g. <c>https://host:8333/sdk</c>.</summary>
    public string? VixHost { get; set; }

    /// <summary>VIX / vmrun: user name for server and vi providers.</summary>
    public string? VixUser { get; set; }

    /// <summary>VIX / vmrun: password (prefer the <c>HAWITNESS_AGENT_VixPassword</c> variable to a file).</summary>
    public string? VixPassword { get; set; }

    /// <summary>vmrun: path of the <c>vmrun</c> program.</summary>
    public string VmrunPath { get; set; } = "/usr/bin/vmrun";

    /// <summary>How long a SIGTERM may take to stop the agent, in milliseconds.</summary>
    public int ShutdownTimeoutMs { get; set; } = 1500;

    /// <summary>
    /// The watchdog device the agent arms (<c>--watchdog</c>): <c>/dev/watchdog</c> (hardware or
    /// softdog), another device path, or <c>none</c>. Armed, it resets the host when the agent dies or
    /// hangs, or when a self-fence fails.
    /// </summary>
    public string Watchdog { get; set; } = "none";

    /// <summary>The watchdog's timeout, ms (whole seconds on real devices). At least the probe timeout plus the power-off bound plus a quarter of itself.</summary>
    public int WatchdogTimeoutMs { get; set; } = 6000;
}
