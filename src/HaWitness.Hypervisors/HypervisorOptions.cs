namespace HaWitness.Hypervisors;

/// <summary>Settings of the hypervisor drivers (plain values with defaults; the agent binds and validates them).</summary>
public sealed class HypervisorOptions
{
    /// <summary>Which driver: <c>sim</c>, <c>vix</c>, <c>vmrun</c> or <c>libvirt</c>.</summary>
    public string Kind { get; set; } = "libvirt";

    /// <summary>This host's cluster name (simulated VMs are named after it).</summary>
    public string HostName { get; set; } = Environment.MachineName;

    /// <summary>
    /// The bound on every driver call. A call still running then returns
    /// <see cref="HypervisorErrorKind.Timeout"/>; the hypervisor may still complete it later.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many native calls may be stuck (past their timeout, still inside the library) before new
    /// calls are refused with <see cref="HypervisorErrorKind.Timeout"/> at once: bounds the threads
    /// a wedged hypervisor can hold.
    /// </summary>
    public int MaxStuckCalls { get; set; } = 4;

    /// <summary>The simulation.</summary>
    public SimOptions Sim { get; set; } = new();

    /// <summary>VIX through <c>libvixAllProducts.so</c>.</summary>
    public VixOptions Vix { get; set; } = new();

    /// <summary>VIX's command-line tool <c>vmrun</c>.</summary>
    public VmrunOptions Vmrun { get; set; } = new();

    /// <summary>libvirt through <c>libvirt.so.0</c>.</summary>
    public LibvirtOptions Libvirt { get; set; } = new();
}

/// <summary>The simulated hypervisor.</summary>
public sealed class SimOptions
{
    /// <summary>How many VMs the host starts with, named <c>HOST-vm01</c>… and powered off.</summary>
    public int Vms { get; set; }

    /// <summary>CPUs the simulated host reports.</summary>
    public int Cpus { get; set; } = 16;

    /// <summary>Memory the simulated host reports, MiB.</summary>
    public long MemoryMiB { get; set; } = 65536;

    /// <summary>
    /// How long a guest shutdown (a soft power-off) takes: the call returns at once, as libvirt's
    /// and VIX's do, and the VM is listed running until this much time has passed. Zero: at once.
    /// </summary>
    public TimeSpan GuestShutdown { get; set; }
}

/// <summary>VIX providers (<c>VixServiceProvider</c>).</summary>
public enum VixProvider
{
    /// <summary>VIX_SERVICEPROVIDER_DEFAULT.</summary>
    Default = 1,

    /// <summary>VMware Server 1.x.</summary>
    VmwareServer = 2,

    /// <summary>VMware Workstation.</summary>
    Workstation = 3,

    /// <summary>VMware Player.</summary>
    Player = 4,

    /// <summary>VI server: ESX, vCenter, VMware Server 2.0 (<c>https://host:8333/sdk</c>).</summary>
    ViServer = 10,

    /// <summary>Workstation's shared VMs.</summary>
    WorkstationShared = 11,
}

/// <summary>VIX through its C library.</summary>
public sealed class VixOptions
{
    /// <summary>Path of <c>libvixAllProducts.so</c>.</summary>
    public string Library { get; set; } = "/usr/lib/vmware-vix/libvixAllProducts.so";

    /// <summary>Path of our fixed-arity shim; default: <c>libhawitness-vixshim.so</c> beside the program.</summary>
    public string? ShimLibrary { get; set; }

    /// <summary>Which VMware product to connect to.</summary>
    public VixProvider Provider { get; set; } = VixProvider.Workstation;

    /// <summary>Host for <see cref="VixProvider.ViServer"/> (e.g. <c>https://esx1:8333/sdk</c>); null = local.</summary>
    public string? Host { get; set; }

    /// <summary>Port (0 = the provider's default).</summary>
    public int Port { get; set; }

    /// <summary>User for remote providers.</summary>
    public string? User { get; set; }

    /// <summary>Password for remote providers.</summary>
    public string? Password { get; set; }
}

/// <summary>VIX's CLI.</summary>
public sealed class VmrunOptions
{
    /// <summary>Path of <c>vmrun</c>.</summary>
    public string Path { get; set; } = "/usr/bin/vmrun";

    /// <summary><c>-T</c>: <c>ws</c>, <c>server</c>, <c>server1</c>, <c>fusion</c>, <c>esx</c>, <c>vc</c>, <c>player</c>.</summary>
    public string HostType { get; set; } = "ws";

    /// <summary><c>-h</c> for remote host types, e.g. <c>https://esx1:8333/sdk</c>.</summary>
    public string? Host { get; set; }

    /// <summary><c>-u</c>.</summary>
    public string? User { get; set; }

    /// <summary><c>-p</c> (visible in the process list while vmrun runs: prefer a local host type).</summary>
    public string? Password { get; set; }
}

/// <summary>libvirt through its C library.</summary>
public sealed class LibvirtOptions
{
    /// <summary>
    /// The connection URI, e.g. <c>qemu:///system</c> or <c>qemu:///system?socket=/run/x/libvirt-sock</c>.
    /// Default: libvirt's own <c>LIBVIRT_DEFAULT_URI</c> when set (as <c>virsh</c> honours it), else <c>qemu:///system</c>.
    /// </summary>
    public string Uri { get; set; } = DefaultUri;

    /// <summary><c>LIBVIRT_DEFAULT_URI</c> when set and not empty (as virsh honours it), else <c>qemu:///system</c>.</summary>
    public static string DefaultUri => Environment.GetEnvironmentVariable("LIBVIRT_DEFAULT_URI") is { Length: > 0 } uri ? uri : "qemu:///system";

    /// <summary>The library to load.</summary>
    public string Library { get; set; } = "libvirt.so.0";

    /// <summary>This host's iSCSI initiator IQN, written into every iSCSI disk of a domain it defines; null leaves the XML's.</summary>
    public string? InitiatorIqn { get; set; }
}
