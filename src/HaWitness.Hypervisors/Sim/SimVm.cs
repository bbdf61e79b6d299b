namespace HaWitness.Hypervisors.Sim;

/// <summary>A simulated VM: its name and power state (a value; the simulation swaps it on change).</summary>
public sealed record SimVm(string Name, VmPowerState State);
