namespace HaWitness.Hypervisors;

/// <summary>What went wrong in a hypervisor call, in words the reconcile loop acts on.</summary>
public enum HypervisorErrorKind
{
    /// <summary>Anything not covered below; see the message and native code.</summary>
    Failed = 0,

    /// <summary>A name, path, IQN or XML was refused before anything was called.</summary>
    InvalidArgument,

    /// <summary>The VM is not there (never was, or vanished: vmx deleted, domain undefined).</summary>
    NotFound,

    /// <summary>The VM is in a state that forbids the call (e.g. unregister while it runs).</summary>
    InvalidState,

    /// <summary>The call did not finish within the driver's call timeout; the hypervisor may still act on it.</summary>
    Timeout,

    /// <summary>The hypervisor's library or tool is not installed where configured.</summary>
    LibraryMissing,

    /// <summary>This driver cannot run on this platform (OS, architecture).</summary>
    Unsupported,

    /// <summary>Could not reach the hypervisor (daemon down, host unreachable, connection lost).</summary>
    ConnectionFailed,

    /// <summary>The hypervisor refused our credentials.</summary>
    AuthenticationFailed,

    /// <summary>The hypervisor accepted the power-on but the VM did not start.</summary>
    StartFailed,
}
