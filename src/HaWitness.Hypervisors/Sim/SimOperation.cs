namespace HaWitness.Hypervisors.Sim;

/// <summary>The simulated hypervisor's calls, for fault injection.</summary>
public enum SimOperation
{
    /// <summary><see cref="IHypervisorDriver.ListAsync"/>.</summary>
    List,

    /// <summary><see cref="IHypervisorDriver.RegisterAsync"/>.</summary>
    Register,

    /// <summary><see cref="IHypervisorDriver.PowerOnAsync"/>.</summary>
    PowerOn,

    /// <summary><see cref="IHypervisorDriver.PowerOffAsync"/>.</summary>
    PowerOff,

    /// <summary><see cref="IHypervisorDriver.SuspendAsync"/>.</summary>
    Suspend,

    /// <summary><see cref="IHypervisorDriver.UnregisterAsync"/>.</summary>
    Unregister,

    /// <summary><see cref="IHypervisorDriver.GetCapacityAsync"/>.</summary>
    Capacity,
}
