using HaWitness.Hypervisors.Libvirt;
using HaWitness.Hypervisors.Sim;
using HaWitness.Hypervisors.Vix;
using HaWitness.Hypervisors.Vix.Vmrun;
using Microsoft.Extensions.Logging;

namespace HaWitness.Hypervisors;

/// <summary>Builds the driver an agent is configured for.</summary>
public static class HypervisorDrivers
{
    /// <summary>The driver kinds, as <see cref="HypervisorOptions.Kind"/> spells them.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["sim", "vix", "vmrun", "libvirt"];

    /// <summary>
    /// Creates the driver named by <see cref="HypervisorOptions.Kind"/>. Fails as a value: an unknown
    /// kind, a missing library or tool, an unsupported platform. Nothing is contacted yet: the first
    /// call connects.
    /// </summary>
    public static HvResult<IHypervisorDriver> Create(HypervisorOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        if (options.CallTimeout <= TimeSpan.Zero || options.CallTimeout > TimeSpan.FromHours(1))
        {
            return HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.InvalidArgument, $"hypervisor call timeout {options.CallTimeout} is out of range (0..1 h)");
        }

        return options.Kind.ToLowerInvariant() switch
        {
            "sim" => new SimHypervisor(options, time, loggers.CreateLogger<SimHypervisor>()),
            "vix" => VixDriver.Create(options, time, loggers.CreateLogger("HaWitness.Hypervisors.Vix")),
            "vmrun" => VmrunDriver.Create(options, time, loggers.CreateLogger("HaWitness.Hypervisors.Vmrun")),
            "libvirt" => LibvirtDriver.Create(options, time, loggers.CreateLogger("HaWitness.Hypervisors.Libvirt")),
            _ => HvResult<IHypervisorDriver>.Fail(HypervisorErrorKind.InvalidArgument, $"unknown hypervisor '{options.Kind}'; allowed: {string.Join(" | ", Kinds)}"),
        };
    }
}
