namespace HaWitness.Fencing.Targets;

/// <summary>Why talking to a target failed. Stable names: they appear in the journal's evidence.</summary>
public enum TargetErrorKind
{
    /// <summary>A name, id or path failed validation before anything was run.</summary>
    InvalidInput,
    /// <summary>Nothing listens on the SSH port (TCP connection refused).</summary>
    ConnectionRefused,
    /// <summary>The SSH connect or a remote command took longer than allowed.</summary>
    Timeout,
    /// <summary>The SSH server did not accept the appliance's key.</summary>
    AuthenticationFailed,
    /// <summary>The SSH server's host key differs from the pinned one: refused, possibly an impostor.</summary>
    HostKeyMismatch,
    /// <summary>The appliance's SSH key file is missing or unreadable.</summary>
    SshKeyUnusable,
    /// <summary>Any other SSH failure (name resolution, protocol error, connection lost).</summary>
    ConnectionFailed,
    /// <summary>A remote command exited with a non-zero status.</summary>
    NonZeroExit,
    /// <summary>A remote command's output could not be understood.</summary>
    UnparsableOutput,
    /// <summary>A target admits initiators by address or for everyone, so it cannot be fenced by name.</summary>
    UnsafeTarget,
    /// <summary>The operation ran but re-reading the target did not show the wanted state.</summary>
    NotVerified,
}
