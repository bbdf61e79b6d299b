namespace HaWitness.Hypervisors;

/// <summary>
/// One host's hypervisor, as the agent's reconcile loop sees it. Every call is bounded by the
/// driver's <see cref="HypervisorOptions.CallTimeout"/> (a hanging hypervisor returns
/// <see cref="HypervisorErrorKind.Timeout"/>, it never hangs the agent), and every failure comes
/// back as a <see cref="HypervisorError"/> value. Only the caller's own cancellation throws
/// (<see cref="OperationCanceledException"/>).
/// </summary>
/// <remarks>
/// Calls are idempotent where the hypervisor allows it: powering on a running VM, powering off
/// a VM that is off and unregistering a VM that is not registered succeed without doing anything.
/// A VM is addressed by <see cref="VmRef"/>: its cluster name plus what the hypervisor knows it by
/// (a <c>.vmx</c> path for VIX, the domain name for libvirt).
/// </remarks>
public interface IHypervisorDriver : IAsyncDisposable
{
    /// <summary><c>sim</c>, <c>vix</c>, <c>vmrun</c> or <c>libvirt</c>.</summary>
    string Kind { get; }

    /// <summary>Every VM the hypervisor knows on this host (registered or running), with its power state.</summary>
    ValueTask<HvResult<IReadOnlyList<VmStatus>>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes the VM known to this host so it can be started here: libvirt defines the domain (its
    /// iSCSI initiators rewritten to this host's IQN), VIX registers the <c>.vmx</c> (or only opens
    /// it where the provider has no registration). Already registered is success.
    /// </summary>
    ValueTask<HvResult<VmRef>> RegisterAsync(VmDefinition definition, CancellationToken cancellationToken);

    /// <summary>Starts (or resumes) the VM. Already running is success.</summary>
    ValueTask<HvResult> PowerOnAsync(VmRef vm, CancellationToken cancellationToken);

    /// <summary>Stops the VM: <see cref="PowerOffMode.Hard"/> pulls the plug, <see cref="PowerOffMode.Soft"/> asks the guest. Already off is success.</summary>
    ValueTask<HvResult> PowerOffAsync(VmRef vm, PowerOffMode mode, CancellationToken cancellationToken);

    /// <summary>Suspends the VM (VIX: state saved beside the .vmx; libvirt: vCPUs paused, see docs/hypervisors.md).</summary>
    ValueTask<HvResult> SuspendAsync(VmRef vm, CancellationToken cancellationToken);

    /// <summary>Forgets the VM on this host (libvirt: undefine; VIX: unregister). Refused while it runs (<see cref="HypervisorErrorKind.InvalidState"/>). Not registered is success.</summary>
    ValueTask<HvResult> UnregisterAsync(VmRef vm, CancellationToken cancellationToken);

    /// <summary>
    /// The definition another host needs to start this VM (libvirt: the domain's persistent XML;
    /// VIX/vmrun: its <c>.vmx</c> path; sim: its name): what the agent reports for a VM the
    /// committed state does not know yet.
    /// </summary>
    ValueTask<HvResult<VmDefinition>> DescribeAsync(VmRef vm, CancellationToken cancellationToken);

    /// <summary>What this host offers: CPUs and memory.</summary>
    ValueTask<HvResult<HostCapacity>> GetCapacityAsync(CancellationToken cancellationToken);
}
