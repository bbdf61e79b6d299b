using System.Net;
using System.Text.Json.Nodes;
using HaWitness.Agent.Runtime.Heartbeats;
using HaWitness.Agent.Runtime.Isolation;
using HaWitness.Agent.Runtime.Joining;
using HaWitness.Agent.Runtime.Probe;
using HaWitness.Agent.Runtime.Reconcile;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Agent.Runtime.Watchdog;
using HaWitness.Core.Configuration;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.Security;
using HaWitness.Core.Journal;
using HaWitness.Hypervisors;

namespace HaWitness.Agent.Runtime;

/// <summary>
/// One agent process: joins, runs its standby Raft member and its probe server, then keeps four
/// loops going — heartbeats, the isolation monitor, the reconciler, and re-registration after a
/// self-fence or when the leader refuses this generation.
/// </summary>
public sealed partial class AgentRuntime : IAsyncDisposable
{
    private readonly AgentState _state;
    private readonly string _dataDirectory;
    private readonly JournalStore _journal;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly List<IAsyncDisposable> _owned = [];
    private IHypervisorDriver? _driver;

    /// <summary>Creates the runtime; nothing starts until <see cref="RunAsync"/>.</summary>
    public AgentRuntime(AgentState state, string dataDirectory, JournalStore journal, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        _state = state;
        _dataDirectory = dataDirectory;
        _journal = journal;
        _loggers = loggers;
        _logger = loggers.CreateLogger<AgentRuntime>();
    }

    /// <summary>The hypervisor driver, once created.</summary>
    public IHypervisorDriver? Driver => _driver;

    /// <summary>Runs until cancelled.</summary>
    /// <exception cref="AgentStartException">Something retrying cannot fix (driver, refused join).</exception>
    public async Task RunAsync(CancellationToken ct)
    {
        var o = _state.Options;
        string initiator = HostFacts.ResolveInitiator(o);
        var created = HypervisorDrivers.Create(new HypervisorOptions
        {
            Kind = o.Hypervisor,
            HostName = o.Name,
            CallTimeout = TimeSpan.FromMilliseconds(o.HypervisorTimeoutMs),
            Sim = { Vms = o.SimVms },
            // Domains this host defines get their iSCSI disks rewritten to its own initiator.
            Libvirt = { InitiatorIqn = initiator, Uri = o.LibvirtUri ?? LibvirtOptions.DefaultUri },
            Vix = { Library = o.VixLibrary, Provider = VixProviderOf(o.VixProvider), Host = o.VixHost, User = o.VixUser, Password = o.VixPassword },
            Vmrun = { Path = o.VmrunPath, HostType = o.VixProvider switch { "vi" => "server", "server" => "server1", "player" => "player", _ => "ws" }, Host = o.VixHost, User = o.VixUser, Password = o.VixPassword },
        }, _loggers, _state.Time);
        if (!created.IsOk)
        {
            throw new AgentStartException($"hypervisor {o.Hypervisor}: {created.Error}");
        }

        _driver = created.Value;
        _owned.Add(_driver);

        // T_off: the configured bound, else the one measured for this driver (docs/hypervisors.md).
        o.PowerOffBoundMs = PowerOffBounds.Effective(o.PowerOffBoundMs, _driver.Kind);
        var capacity = await _driver.GetCapacityAsync(ct).ConfigureAwait(false);
        if (!capacity.IsOk)
        {
            throw new AgentStartException($"hypervisor {o.Hypervisor}: cannot read the host's capacity: {capacity.Error}");
        }

        if (_driver.Kind == "sim" && o.SimVms > 0)
        {
            // A simulated host "has N VMs" running, as a real host would before its agent starts.
            var initial = await _driver.ListAsync(ct).ConfigureAwait(false);
            foreach (var vm in initial.IsOk ? initial.Value : [])
            {
                await _driver.PowerOnAsync(vm.Vm, ct).ConfigureAwait(false);
            }
        }

        if (o.Watchdog != "none")
        {
            // Reported at join; the device itself is armed once the join succeeded (a refused join
            // must not leave an armed watchdog behind to reset the host).
            _state.ReportedPowerOffBoundMs = WatchdogPetter.ReportedPowerOffBoundMs(o.PowerOffBoundMs, TimeSpan.FromSeconds(Math.Ceiling(o.WatchdogTimeoutMs / 1000.0)));
        }

        var facts = HostFacts.From(o, capacity.Value.Cpus, capacity.Value.MemoryMiB);
        string identityDir = Path.Combine(_dataDirectory, "identity");
        Directory.CreateDirectory(identityDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var identity = MemberIdentity.LoadOrCreate(identityDir);
        using var client = new ApplianceClient(new Uri(o.Witness!), o.WitnessFingerprint);
        var joiner = new Joiner(_state, client, identity, facts, _loggers.CreateLogger<Joiner>());
        try
        {
            await joiner.JoinAsync(ct).ConfigureAwait(false);
        }
        catch (JoinRefusedException ex)
        {
            _journal.Append(new NewDecision(DecisionKinds.AgentJoin, Subjects.Host(o.Name), Outcome.Refused, new JsonObject { ["summary"] = "join failed for good: " + ex.Message, ["reason"] = ex.Message }));
            throw new AgentStartException(ex.Message, ex);
        }

        var petter = ArmWatchdog(o);
        var certificate = identity.Certificate();
        var node = await RaftNode.StartAsync(new RaftNodeOptions
        {
            Directory = Path.Combine(_dataDirectory, "raft"),
            EndPoint = IPEndPoint.Parse(o.Raft),
            LeaderEligible = false,
            ColdStart = false,
            Certificate = certificate,
            ClusterCa = identity.ClusterCa(),
        }, _loggers, null, ct).ConfigureAwait(false);
        _owned.Add(node);
        var replica = new RaftReplica(node);
        _owned.Add(await ProbeServer.StartAsync(IPEndPoint.Parse(facts.ProbeEndpoint), certificate, node.Validator, _state, replica, _loggers, ct).ConfigureAwait(false));
        using var prober = new PeerProber(certificate, node.Validator);

        var inventory = new VmInventory();
        var heartbeats = new HeartbeatLoop(_state, client, replica, inventory, _loggers.CreateLogger<HeartbeatLoop>());
        var fencer = new SelfFencer(_state, replica, _driver, _journal, _loggers.CreateLogger<SelfFencer>());
        var monitor = new IsolationMonitor(_state, replica, prober, fencer, _journal, _loggers.CreateLogger<IsolationMonitor>());
        var reconciler = new Reconciler(_state, replica, _driver, inventory, _journal, _loggers.CreateLogger<Reconciler>());
        if (petter is not null)
        {
            monitor.Kept = petter.Kept;
            fencer.Failed = petter.Escalate;
        }

        var registration = new AgentRegistration(_state, joiner, fencer, reconciler, _loggers.CreateLogger<AgentRegistration>());
        heartbeats.RejoinNeeded += registration.Refused;

        LogRunning(_logger, o.Name, _state.Generation, o.Raft, facts.ProbeEndpoint, facts.InitiatorIqn);
        var loops = new List<Task>
        {
            heartbeats.RunAsync(ct),
            monitor.RunAsync(ct),
            reconciler.RunAsync(ct),
            registration.RunAsync(ct),
        };
        if (petter is not null)
        {
            loops.Add(petter.RunAsync(ct));
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
            }
        }
    }

    /// <summary>Opens and arms the configured watchdog (none: null), and raises the reported power-off bound to its timeout.</summary>
    private WatchdogPetter? ArmWatchdog(Core.Configuration.AgentOptions o)
    {
        if (o.Watchdog == "none")
        {
            return null;
        }

        WatchdogDevice device;
        try
        {
            device = WatchdogDevice.Open(o.Watchdog, TimeSpan.FromMilliseconds(o.WatchdogTimeoutMs));
        }
        catch (IOException ex)
        {
            throw new AgentStartException($"watchdog {o.Watchdog}: {ex.Message} (use --watchdog none to run without one)", ex);
        }

        if (!device.IsDevice)
        {
            LogNotADevice(_logger, o.Watchdog, (long)device.Timeout.TotalMilliseconds);
        }

        if (device.Timeout > TimeSpan.FromMilliseconds(_state.ReportedPowerOffBoundMs))
        {
            // The driver rounded or clamped the timeout above what the join told the appliance to
            // wait: a dead agent's host could be reset after the appliance acted. Refuse to run so.
            long actual = (long)device.Timeout.TotalMilliseconds;
            device.Disarm();
            throw new AgentStartException($"watchdog {o.Watchdog}: the driver set its timeout to {actual} ms, above the {_state.ReportedPowerOffBoundMs} ms power-off bound this agent reported; set WatchdogTimeoutMs to {actual}");
        }

        var petter = new WatchdogPetter(device, _state, _loggers.CreateLogger<WatchdogPetter>());
        _owned.Add(new CloseOnStop(petter));
        return petter;
    }

    private sealed class CloseOnStop(WatchdogPetter petter) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            petter.Close();
            return ValueTask.CompletedTask;
        }
    }

    [LoggerMessage(EventId = 2702, Level = LogLevel.Warning, Message = "{Device} refused the watchdog ioctls (not a watchdog device?): assuming a {TimeoutMs} ms timeout")]
    private static partial void LogNotADevice(ILogger logger, string device, long timeoutMs);

    private static VixProvider VixProviderOf(string name) => name switch
    {
        "server" => VixProvider.VmwareServer,
        "vi" => VixProvider.ViServer,
        "player" => VixProvider.Player,
        _ => VixProvider.Workstation,
    };

    [LoggerMessage(EventId = 2700, Level = LogLevel.Information, Message = "Agent {Name} running: generation {Generation}, Raft {Raft}, probe {Probe}, initiator {Iqn}")]
    private static partial void LogRunning(ILogger logger, string name, string generation, string raft, string probe, string iqn);
}

/// <summary>The agent cannot start for a reason retrying will not fix; the message says what to do.</summary>
public sealed class AgentStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AgentStartException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AgentStartException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AgentStartException()
    {
    }
}
