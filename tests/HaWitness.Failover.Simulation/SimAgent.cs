using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// A hypervisor host with its agent, as ARCHITECTURE describes them: it applies the committed
/// state it receives while it reaches the appliance, heartbeats every second (its lease counts
/// from when it <em>sent</em> an acknowledged heartbeat, on its own drifting clock), starts a VM
/// only for the epoch it applied and only while it holds a lease (never the same epoch twice),
/// stops what is not its own, self-fences per rule 2, and after being declared failed powers off
/// everything and comes back under a new generation.
/// </summary>
internal sealed partial class SimAgent(World world, string name, int cpus, long memoryMb, int powerOffBoundMs, double clockRate)
{
    private readonly Dictionary<string, VmRun> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Epoch, string Error)> _errors = new(StringComparer.Ordinal);
    private readonly HashSet<(string, long)> _failed = [];
    private int _generation = 1;
    private double _localMs;
    private double _leaseStartLocal = double.NegativeInfinity;
    private double _nextHeartbeatLocal;
    private bool _needsRegister = true;

    public string Name { get; } = name;

    public string Iqn => $"iqn.2026-01.sim:{Name}";

    public int Cpus { get; } = cpus;

    public long MemoryMb { get; } = memoryMb;

    public int PowerOffBoundMs { get; } = powerOffBoundMs;

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

    public bool HasLease => Up && _localMs - _leaseStartLocal < world.Timings.Lease.TotalMilliseconds;

    /// <summary>The isolation probe's answer: heard from a leader within <see cref="SimTimings.LeaderFresh"/>.</summary>
    public bool HasLeader => Up && _localMs - _leaseStartLocal < world.Timings.LeaderFresh.TotalMilliseconds;

    public bool IsRunning(string vm) => _vms.TryGetValue(vm, out var r) && r.Phase == VmPhase.Running;

    public void Crash()
    {
        Up = false;
        _vms.Clear();
        _errors.Clear();
        SelfFenced = false;
    }

    public void Boot()
    {
        Up = true;
        Restart();
    }

    public void Step(DateTimeOffset now)
    {
        if (!Up)
        {
            return;
        }

        _localMs += world.Timings.Step.TotalMilliseconds * clockRate;
        AdvanceHypervisor(now);
        bool connected = world.ApplianceUp && world.Net.Reach(Name, SimNetwork.Witness);
        if (connected)
        {
            world.Log.CatchUp(Replica);
        }

        var view = Replica.View;
        view.Hosts.TryGetValue(Name, out var me);
        if (me is { Phase: HostPhase.Failed } && me.FailedGeneration == Generation)
        {
            // Declared failed: whatever still runs here is stale. Power it all off and come back
            // as a new generation (rule 4: only a new generation is ever re-admitted).
            world.Trace($"{Name}: applied HostFailed for {Generation}: powers off {_vms.Count} VM(s), restarts as a new generation");
            _vms.Clear();
            Restart();
            return;
        }

        if (_needsRegister && connected)
        {
            _needsRegister = !world.Register(this);
        }

        if (_localMs >= _nextHeartbeatLocal)
        {
            _nextHeartbeatLocal = _localMs + world.Timings.Heartbeat.TotalMilliseconds;
            if (connected && world.Liveness is { } liveness)
            {
                liveness.Receive(Report(now));
                _leaseStartLocal = _localMs; // counted from the send of the acknowledged heartbeat
            }
        }

        if (!HasLease && !SelfFenced && !IsolationAllowsRunning(view))
        {
            SelfFence(now, view);
        }
        else if (HasLease && SelfFenced && me is { Phase: HostPhase.Active })
        {
            SelfFenced = false;
            world.Trace($"{Name}: hears the leader again; no longer self-fenced");
        }

        if (HasLease && !SelfFenced && !_needsRegister && me is { Phase: HostPhase.Active, Fenced: false }
            && me.Generation == Generation)
        {
            StartOwn(view, now);
        }

        StopForeign(view, now);
    }

    /// <summary>Rule 2: keep running without a lease only when a majority is reachable and none of those peers has a leader.</summary>
    private bool IsolationAllowsRunning(ClusterView view)
    {
        var voters = World.Voters(view);
        int reachable = 1;
        foreach (var v in voters)
        {
            if (v == Name)
            {
                continue;
            }

            var peer = world.Agent(v);
            if (peer is { Up: true } && world.Net.Reach(Name, v))
            {
                if (peer.HasLeader)
                {
                    return false; // a leader exists that cannot reach me: it will fence me
                }

                reachable++;
            }
        }

        return reachable * 2 > voters.Count + 1;
    }

    private void SelfFence(DateTimeOffset now, ClusterView view)
    {
        SelfFenced = true;
        int n = 0;
        foreach (var (vm, run) in _vms)
        {
            bool ha = !view.Vms.TryGetValue(vm, out var e) || e.Ha;
            if (ha && run.Phase != VmPhase.Stopping)
            {
                run.Phase = VmPhase.Stopping;
                run.Until = now + TimeSpan.FromMilliseconds(world.Random.Next(0, (int)(PowerOffBoundMs * 0.8)));
                n++;
            }
        }

        world.Trace($"{Name}: lease expired, no peer vouches for a leaderless cluster: self-fences, powers off {n} VM(s)");
    }

    private void Restart()
    {
        _generation++;
        Replica = new ClusterState();
        _leaseStartLocal = double.NegativeInfinity;
        _nextHeartbeatLocal = _localMs;
        _needsRegister = true;
        SelfFenced = false;
        _errors.Clear();
        _failed.Clear(); // a new process remembers nothing
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
