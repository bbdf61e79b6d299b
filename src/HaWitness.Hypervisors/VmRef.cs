namespace HaWitness.Hypervisors;

/// <summary>A VM as a driver addresses it.</summary>
/// <param name="Name">The VM's cluster name (validated by <see cref="VmNames.IsValid"/>).</param>
/// <param name="Locator">What the hypervisor knows it by: the <c>.vmx</c> path (VIX, vmrun; with a datastore: <c>[ds] dir/vm.vmx</c>), the domain name (libvirt), the name (sim).</param>
public sealed record VmRef(string Name, string Locator);
