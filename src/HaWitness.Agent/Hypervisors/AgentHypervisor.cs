using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Hypervisors;

namespace HaWitness.Agent.Hypervisors;

/// <summary>
/// Builds this host's hypervisor driver from the agent's options and checks it answers (its
/// capacity). A driver that cannot be built or does not answer is logged and journaled; the agent
/// keeps running and reports, as a daemon must. The reconcile loop will use <see cref="Driver"/>.
/// </summary>
internal sealed partial class AgentHypervisor : IAsyncDisposable
{
    private readonly ILogger _log;

    private AgentHypervisor(IHypervisorDriver? driver, HostCapacity? capacity, ILogger log)
    {
        Driver = driver;
        Capacity = capacity;
        _log = log;
    }

    /// <summary>The driver, or null when it could not be built.</summary>
    public IHypervisorDriver? Driver { get; }

    /// <summary>What the host offers, when the driver answered.</summary>
    public HostCapacity? Capacity { get; }

    public static HypervisorOptions OptionsFor(AgentOptions options) => new()
    {
        Kind = options.Hypervisor,
        HostName = options.Name,
        Sim = new SimOptions { Vms = options.SimVms },

        // libvirt's own variable, as virsh honours it (e.g. a libvirtd on a non-default socket).
        Libvirt = new LibvirtOptions { Uri = Environment.GetEnvironmentVariable("LIBVIRT_DEFAULT_URI") is { Length: > 0 } uri ? uri : "qemu:///system" },
    };

    public static async Task<AgentHypervisor> StartAsync(AgentOptions options, JournalStore journal, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("HaWitness.Agent.Hypervisor");
        string subject = Subjects.Agent(options.Name);
        var created = HypervisorDrivers.Create(OptionsFor(options), loggers, time);
        if (!created.IsOk)
        {
            LogUnavailable(log, options.Hypervisor, created.Error!.ToString());
            journal.RecordEvent("HypervisorUnavailable", subject, $"{options.Hypervisor}: {created.Error}");
            return new AgentHypervisor(null, null, log);
        }

        var driver = created.Value;
        var capacity = await driver.GetCapacityAsync(cancellationToken).ConfigureAwait(false);
        if (!capacity.IsOk)
        {
            LogUnavailable(log, driver.Kind, capacity.Error!.ToString());
            journal.RecordEvent("HypervisorUnavailable", subject, $"{driver.Kind}: {capacity.Error}");
            return new AgentHypervisor(driver, null, log);
        }

        var c = capacity.Value;
        LogReady(log, driver.Kind, c.Cpus, c.MemoryMiB, c.Source);
        journal.RecordEvent("HypervisorReady", subject, $"{driver.Kind}: {c.Cpus} CPUs, {c.MemoryMiB} MiB ({c.Source})");
        return new AgentHypervisor(driver, c, log);
    }

    public async ValueTask DisposeAsync()
    {
        if (Driver is not null)
        {
            await Driver.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Hypervisor {Kind} ready: {Cpus} CPUs, {MemoryMiB} MiB ({Source})")]
    private static partial void LogReady(ILogger logger, string kind, int cpus, long memoryMiB, string source);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Hypervisor {Kind} unavailable: {Error}; the agent keeps running and reports it")]
    private static partial void LogUnavailable(ILogger logger, string kind, string error);
}
