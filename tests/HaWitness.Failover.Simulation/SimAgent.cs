using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// A hypervisor host with its agent, as ARCHITECTURE and the agent runtime describe them: it
/// applies the committed state it receives while it reaches the appliance; it heartbeats every
/// second with the lead's <see cref="AgentLease"/> on its own drifting clock (the lease counts
/// from when it <em>sent</em> an acknowledged heartbeat); it starts a VM only for the epoch it
/// applied, only while it holds a lease and is registered; it stops what is not its own; when its
/// lease expired it asks its peers every P and decides with the lead's <see cref="SelfFencePolicy"/>;
/// a self-fence powers its HA VMs off within T_off and makes it a new generation that must
/// register again; after being declared failed it powers everything off and comes back under a
/// new generation.
/// </summary>
internal sealed partial class SimAgent
{
    private readonly World _world;
    private readonly double _clockRate;
    private readonly FakeTimeProvider _clock;
    private readonly Dictionary<string, VmRun> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Epoch, string Error, DateTimeOffset RetryAt)> _errors = new(StringComparer.Ordinal);
    private AgentLease _lease;
    private int _generation = 1;
    private long _ackedSeq;
    private DateTimeOffset _nextHeartbeat;
    private DateTimeOffset _nextProbe;
    private bool _registered;

    public SimAgent(World world, string name, int cpus, long memoryMb, int powerOffBoundMs, double clockRate)
    {
        _world = world;
        _clockRate = clockRate;
        _clock = new FakeTimeProvider(World.Epoch) { AutoAdvanceAmount = TimeSpan.Zero };
        _lease = new AgentLease(world.Timings.Lease, _clock);
        Name = name;
        Cpus = cpus;
        MemoryMb = memoryMb;
        PowerOffBoundMs = powerOffBoundMs;
    }

    public string Name { get; }

    public string Iqn => $"iqn.2026-01.sim:{Name}";

    public int Cpus { get; }

    public long MemoryMb { get; }

    public int PowerOffBoundMs { get; }

    public bool Up { get; private set; } = true;

    public string Generation => $"{Name}-g{_generation}";

    public ClusterState Replica { get; private set; } = new();

    public bool SelfFenced { get; private set; }

    /// <summary>Probability that a start fails (a fault the schedule turns on).</summary>
    public double StartFailure { get; set; }

    /// <summary>VMs whose next starts fail on this host, with how many (scenarios).</summary>
    public Dictionary<string, int> FailStarts { get; } = new(StringComparer.Ordinal);

    /// <summary>The VMs powered on (starting, running or stopping) on this host, with the epoch they run for.</summary>
    public IEnumerable<(string Vm, long Epoch)> PoweredOn => _vms.Select(kv => (kv.Key, kv.Value.Epoch));

    /// <summary>The isolation probe's answer, as the real agent gives it: it heard a leader within the claim window and has not fenced itself.</summary>
    public bool LeaseValid => Up && _lease.LeaderRecent && !SelfFenced;

    public bool IsRunning(string vm) => _vms.TryGetValue(vm, out var r) && r.Phase == VmPhase.Running;

    /// <summary>Puts the first heartbeat and the probe schedule at a phase of their own (before time starts).</summary>
    public void Phase(TimeSpan heartbeat, TimeSpan probe)
    {
        _nextHeartbeat = _clock.GetUtcNow() + heartbeat;
        _nextProbe = _clock.GetUtcNow() + probe;
    }

    public void Crash()
    {
        Up = false;
        _vms.Clear();
        _errors.Clear();
    }

    public void Boot()
    {
        Up = true;
        NewGeneration();
    }

    public void Step(DateTimeOffset now)
    {
        if (!Up)
        {
            return;
        }

        _clock.Advance(_world.Timings.Step * _clockRate);
        var local = _clock.GetUtcNow();
        AdvanceHypervisor(now);
        bool connected = _world.ApplianceUp && _world.Net.Reach(Name, SimNetwork.Witness);
        if (connected)
        {
            _world.Log.CatchUp(Replica);
        }

        var view = Replica.View;
        view.Hosts.TryGetValue(Name, out var me);
        if (me is { Phase: HostPhase.Failed } && me.FailedGeneration == Generation)
        {
            // Declared failed: whatever still runs here is stale. Power it all off and come back
            // as a new generation (rule 4: only a new generation is ever re-admitted).
            _world.Trace($"{Name}: applied HostFailed for {Generation}: powers off {_vms.Count} VM(s), restarts as a new generation");
            _vms.Clear();
            NewGeneration();
            return;
        }

        if (me is { Phase: HostPhase.Failed } && _vms.Count > 0)
        {
            // A later generation (it had self-fenced) learns that its host was declared failed:
            // what still runs here is stale too.
            _world.Trace($"{Name}: its host is failed: powers off {_vms.Count} stale VM(s)");
            _vms.Clear();
        }

        if (!_registered && connected)
        {
            _registered = _world.Register(this);
            if (_registered)
            {
                SelfFenced = false;
            }
        }

        if (local >= _nextHeartbeat)
        {
            _nextHeartbeat = local + _world.Timings.Heartbeat;
            long seq = _lease.BeginHeartbeat();
            if (connected && _world.Liveness is { } tracker)
            {
                tracker.Heartbeat(Report(now) with { Seq = seq, AckedSeq = _ackedSeq });
                if (_lease.Acknowledge(seq, _world.Term))
                {
                    _ackedSeq = seq;
                }
            }
        }

        if (_lease.EverHeld && !_lease.IsValid && !SelfFenced && local >= _nextProbe)
        {
            _nextProbe = local + _world.Timings.ProbeInterval;
            CheckIsolation(view, now);
        }

        view = Replica.View;
        view.Hosts.TryGetValue(Name, out me);
        if (_lease.IsValid && !SelfFenced && _registered && me is { Phase: HostPhase.Active, Fenced: false }
            && me.Generation == Generation)
        {
            StartOwn(view, now);
        }

        StopForeign(view, now);
    }

    /// <summary>Rule 2 with the lead's policy: ask every voting peer, fence unless a majority answers and none has a leader.</summary>
    private void CheckIsolation(ClusterView view, DateTimeOffset now)
    {
        var voters = World.Voters(view);
        var answers = new List<PeerAnswer>();
        foreach (var v in voters.Where(v => v != Name))
        {
            var peer = _world.Agent(v);
            bool reachable = peer is { Up: true } && _world.Net.Reach(Name, v);
            answers.Add(new PeerAnswer(v, reachable, reachable && peer!.LeaseValid));
        }

        var verdict = SelfFencePolicy.Decide(_lease.IsValid, voters.Count + 1, answers);
        if (!verdict.Fence)
        {
            _world.Trace($"{Name}: lease expired, keeps its VMs: {verdict.Reason}");
            return;
        }

        int n = 0;
        foreach (var (vm, run) in _vms)
        {
            bool ha = !view.Vms.TryGetValue(vm, out var e) || e.Ha;
            if (ha && run.Phase != VmPhase.Stopping)
            {
                run.Phase = VmPhase.Stopping;
                run.Until = now + TimeSpan.FromMilliseconds(_world.Random.Next(0, (int)(PowerOffBoundMs * 0.8)));
                n++;
            }
        }

        _world.Trace($"{Name}: self-fences ({verdict.Reason}): powers off {n} VM(s), becomes a new generation");
        if (_world.OnlyApplianceFaults)
        {
            _world.Fail($"{Name} fenced itself ({verdict.Reason}) though only the appliance crashed or restarted");
        }

        _generation++;
        _registered = false;
        SelfFenced = true;
        _lease.Revoke();
    }

    private void NewGeneration()
    {
        _generation++;
        Replica = new ClusterState();
        _lease = new AgentLease(_world.Timings.Lease, _clock);
        _ackedSeq = 0;
        _nextHeartbeat = _clock.GetUtcNow();
        _registered = false;
        SelfFenced = false;
        _errors.Clear();
    }

    public HostReport Report(DateTimeOffset now)
    {
        var vms = new List<ReportedVm>(_vms.Count + _errors.Count);
        foreach (var (vm, run) in _vms)
        {
            vms.Add(new ReportedVm(vm, true, run.Epoch));
        }

        foreach (var (vm, error) in _errors)
        {
            if (!_vms.ContainsKey(vm))
            {
                vms.Add(new ReportedVm(vm, false, error.Epoch, error.Error));
            }
        }

        return new HostReport(Name, Generation, now, Replica.LastIndex, SelfFenced, vms);
    }
}
