namespace HaWitness.Hosting;

/// <summary>Exit codes scripts can rely on (both binaries).</summary>
public static class CliExit
{
    /// <summary>Done as asked.</summary>
    public const int Ok = 0;
    /// <summary>It ran and failed (I/O, a remote error, an unverified fence).</summary>
    public const int Failed = 1;
    /// <summary>Bad command line or configuration; nothing was done.</summary>
    public const int Usage = 2;
}
