namespace HaWitness.Hypervisors;

/// <summary>A failed hypervisor call.</summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Message">One line for people and the journal: the call, the VM, the hypervisor's own words.</param>
/// <param name="NativeCode">The hypervisor's own code (VIX error code, libvirt virErrorNumber, vmrun exit code), if any.</param>
public sealed record HypervisorError(HypervisorErrorKind Kind, string Message, long? NativeCode = null)
{
    /// <inheritdoc/>
    public override string ToString() =>
        NativeCode is { } code ? $"{Kind}: {Message} (code {code})" : $"{Kind}: {Message}";
}
