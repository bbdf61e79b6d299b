using HaWitness.Cluster.Leases;
using HaWitness.Core.Configuration;

namespace HaWitness.Agent.Runtime;

/// <summary>
/// What one agent process knows about itself, shared by its loops: its generation (new at every
/// start and after every self-fence), its lease, its credentials, and whether it fenced itself.
/// </summary>
public sealed class AgentState
{
    private readonly Lock _lock = new();
    private string _generation;
    private bool _selfFenced;
    private bool _registered;

    private readonly Func<string> _newGeneration;

    /// <summary>Creates the state with a fresh generation.</summary>
    /// <param name="options">The agent's options.</param>
    /// <param name="time">The agent's clock.</param>
    /// <param name="newGeneration">Makes generation ids (default: the start time and a random suffix; the simulation numbers them to stay replayable).</param>
    public AgentState(AgentOptions options, TimeProvider time, Func<string>? newGeneration = null)
    {
        Options = options;
        Time = time;
        _newGeneration = newGeneration ?? (() => RandomGeneration(time));
        _generation = _newGeneration();
        Lease = new AgentLease(new LeaseOptions(), time);
        _progress = time.GetTimestamp();
    }

    private long _progress;

    /// <summary>Marks that the agent's loops are turning (each join attempt, each heartbeat period).</summary>
    public void MarkProgress() => Volatile.Write(ref _progress, Time.GetTimestamp());

    /// <summary>How long ago <see cref="MarkProgress"/> was last called (or the state made).</summary>
    public TimeSpan SinceProgress => Time.GetElapsedTime(Volatile.Read(ref _progress));

    /// <summary>The agent's options.</summary>
    public AgentOptions Options { get; }

    /// <summary>
    /// T_off as reported to the appliance: the configured power-off bound, raised to the watchdog's
    /// timeout when one is armed (a dead agent's host is reset only that long after its lease lapsed).
    /// </summary>
    public int ReportedPowerOffBoundMs
    {
        get => _reportedPowerOffBoundMs ?? Options.PowerOffBoundMs;
        set => _reportedPowerOffBoundMs = value;
    }

    private int? _reportedPowerOffBoundMs;

    /// <summary>The agent's clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The cluster's lease timings (from the join answer).</summary>
    public LeaseOptions Timings { get; private set; } = new();

    /// <summary>The lease, replaced when the timings arrive.</summary>
    public AgentLease Lease { get; private set; }

    /// <summary>The key that authenticates this agent's calls to the appliance.</summary>
    public string? MemberKey { get; set; }

    /// <summary>The current generation id.</summary>
    public string Generation
    {
        get
        {
            lock (_lock)
            {
                return _generation;
            }
        }
    }

    /// <summary>True after a self-fence, until re-registration with a new generation.</summary>
    public bool SelfFenced
    {
        get
        {
            lock (_lock)
            {
                return _selfFenced;
            }
        }
    }

    /// <summary>True once the current generation is registered (admitted) with the leader.</summary>
    public bool Registered
    {
        get
        {
            lock (_lock)
            {
                return _registered;
            }
        }
    }

    /// <summary>The last self-fence, to report at the next admission (then cleared).</summary>
    public HaWitness.Cluster.Join.SelfFenceReport? PendingSelfFenceReport { get; set; }

    /// <summary>Installs the cluster's timings (once, at the first join).</summary>
    public void UseTimings(LeaseOptions timings)
    {
        lock (_lock)
        {
            Timings = timings;
            Lease = new AgentLease(timings, Time);
        }
    }

    /// <summary>The current generation was admitted.</summary>
    public void MarkRegistered(string generation)
    {
        lock (_lock)
        {
            if (generation == _generation)
            {
                _registered = true;
                _selfFenced = false;
            }
        }
    }

    /// <summary>
    /// Records a self-fence: a new generation must register before any VM runs again. The old
    /// generation's lease is revoked (a late acknowledgement of its heartbeats extends nothing) and
    /// the new one starts without a lease, as a freshly started agent does: its isolation checks
    /// begin once it held one, so that a re-admitted host, with its HA VMs already off, does not
    /// fence itself again, generation after generation, before its first heartbeat is acknowledged.
    /// </summary>
    public void MarkSelfFenced()
    {
        lock (_lock)
        {
            _selfFenced = true;
            _registered = false;
            _generation = _newGeneration();
            Lease.Revoke();
            Lease = new AgentLease(Timings, Time);
        }
    }

    /// <summary>The leader says this generation is gone (re-join needed).</summary>
    public void MarkUnregistered()
    {
        lock (_lock)
        {
            _registered = false;
        }
    }

    private static string RandomGeneration(TimeProvider time) =>
        time.GetUtcNow().ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
}
