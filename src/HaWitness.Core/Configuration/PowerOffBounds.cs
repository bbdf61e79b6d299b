namespace HaWitness.Core.Configuration;

/// <summary>
/// T_off per hypervisor driver: how long the agent allows itself to power every VM of its host off
/// when it fences itself, and so how long the appliance waits after a host's lease surely expired
/// before its VMs run elsewhere. Used when <see cref="AgentOptions.PowerOffBoundMs"/> is 0 (the
/// default). A self-fence that overruns its bound is a failed self-fence (escalated to the watchdog
/// where one is armed), so a bound must hold for the driver's slowest real power-off, not its median.
/// </summary>
public static class PowerOffBounds
{
    /// <summary>
    /// The simulated hypervisor powers off in-process (a state change, well under a millisecond):
    /// 1 s leaves room for a loaded machine's scheduling.
    /// </summary>
    public const int SimMs = 1000;

    /// <summary>
    /// libvirt (<c>virDomainDestroy</c>: SIGTERM, then SIGKILL to qemu after libvirt's own wait) and
    /// VMware (VIX hard power-off, vmrun <c>stop hard</c>): 3 s. A guest stuck on I/O can take longer
    /// to die under libvirt; set <c>PowerOffBoundMs</c> from your own measurement on such hosts.
    /// </summary>
    public const int HypervisorMs = 3000;

    /// <summary>The bound for a driver kind (<c>sim</c>, <c>libvirt</c>, <c>vix</c>, <c>vmrun</c>).</summary>
    public static int DefaultMs(string driverKind) =>
        string.Equals(driverKind, "sim", StringComparison.Ordinal) ? SimMs : HypervisorMs;

    /// <summary>The configured bound, or the driver's when none is configured (0).</summary>
    public static int Effective(int configuredMs, string driverKind) => configuredMs > 0 ? configuredMs : DefaultMs(driverKind);
}
