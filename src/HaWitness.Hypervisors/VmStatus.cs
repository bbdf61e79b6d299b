namespace HaWitness.Hypervisors;

/// <summary>A VM found on the host and its power state.</summary>
/// <param name="Vm">Its name and locator. For VIX the name is the <c>.vmx</c> file's name without the extension.</param>
/// <param name="State">Its power state.</param>
/// <param name="Detail">What the hypervisor said, e.g. VIX power-state bits or libvirt's state reason.</param>
public sealed record VmStatus(VmRef Vm, VmPowerState State, string Detail = "");
