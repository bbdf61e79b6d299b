using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors.Sim;

public sealed partial class SimHypervisor
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Simulated hypervisor for host {Host}: {Count} VMs (SIMULATION: nothing runs)")]
    private static partial void LogCreated(ILogger logger, string host, int count);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Simulated VM {Vm}: {From} -> {To}")]
    private static partial void LogTransition(ILogger logger, string vm, VmPowerState from, VmPowerState to);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Simulated hypervisor: injected fault on {Operation} {Vm}: {Fault}")]
    private static partial void LogFault(ILogger logger, SimOperation operation, string vm, string fault);
}
