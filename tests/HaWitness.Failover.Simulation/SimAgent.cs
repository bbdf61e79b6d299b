using System.Text.Json.Nodes;
using HaWitness.Agent.Runtime;
using HaWitness.Agent.Runtime.Heartbeats;
using HaWitness.Agent.Runtime.Isolation;
using HaWitness.Agent.Runtime.Joining;
using HaWitness.Agent.Runtime.Probe;
using HaWitness.Agent.Runtime.Reconcile;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// A hypervisor host running the REAL agent code — its heartbeat loop, reconciler, isolation
/// monitor, self-fencer and registration — through the agent's seams: its own drifting clock,
/// the simulated network to the appliance (whose REAL <see cref="HeartbeatService"/> answers) and
/// to its peers (whose REAL probe answer, <see cref="ProbeServer.Answer"/>, comes back), a replica
/// fed from the simulated log while the appliance is reachable, the <see cref="WorldHypervisor"/>
/// double and a journal that traces. The simulation schedules the loops as production does: the
/// isolation check every 100 ms, a heartbeat every H or at once when the report changed, a
/// reconcile pass on every applied entry and at least every second, registration until admitted.
/// A crash of the host loses its VMs; a boot starts a new agent (new generation).
/// </summary>
internal sealed class SimAgent
{
    /// <summary>The appliance's member keys (a fixed secret: the runs replay).</summary>
    public static readonly MemberKeys Keys = new(new byte[32]);

    private readonly World _world;
    private readonly double _clockRate;
    private readonly FakeTimeProvider _clock;
    private int _generations;
    private Process _process;

    public SimAgent(World world, string name, int cpus, long memoryMb, int powerOffBoundMs, double clockRate)
    {
        _world = world;
        _clockRate = clockRate;
        _clock = new FakeTimeProvider(World.Epoch) { AutoAdvanceAmount = TimeSpan.Zero };
        Name = name;
        Cpus = cpus;
        MemoryMb = memoryMb;
        PowerOffBoundMs = powerOffBoundMs;
        Hypervisor = new WorldHypervisor(world, this);
        _process = new Process(this);
    }

    public string Name { get; }

    public string Iqn => $"iqn.2026-01.sim:{Name}";

    public string Identity => "id-" + Name;

    public int Cpus { get; }

    public long MemoryMb { get; }

    public int PowerOffBoundMs { get; }

    public WorldHypervisor Hypervisor { get; }

    public bool Up { get; private set; } = true;

    public string Generation => _process.State.Generation;

    /// <summary>The committed state as this agent applied it.</summary>
    public ClusterState Replica => _process.Replica.State;

    /// <summary>Probability that a start fails (a fault the schedule turns on).</summary>
    public double StartFailure
    {
        get => Hypervisor.StartFailure;
        set => Hypervisor.StartFailure = value;
    }

    /// <summary>VMs whose next starts fail on this host, with how many (scenarios).</summary>
    public Dictionary<string, int> FailStarts => Hypervisor.FailStarts;

    public IEnumerable<(string Vm, long Epoch)> PoweredOn => Hypervisor.PoweredOn;

    public bool IsRunning(string vm) => Hypervisor.IsRunning(vm);

    /// <summary>Puts the first heartbeat at a phase of its own (before time starts).</summary>
    public void Phase(TimeSpan heartbeat) => _process.FirstBeatIn(heartbeat);

    public void Crash()
    {
        Up = false;
        Hypervisor.Crash();
    }

    public void Boot()
    {
        Up = true;
        _process = new Process(this);
        _world.Trace($"{Name}: boots, agent generation {Generation}");
    }

    public void Step(DateTimeOffset now)
    {
        if (!Up)
        {
            return;
        }

        _clock.Advance(_world.Timings.Step * _clockRate);
        Hypervisor.Advance(now);
        if (Connected)
        {
            _world.Log.CatchUp(Replica);
        }

        _process.Step();
    }

    private bool Connected => _world.ApplianceUp && _world.Net.Reach(Name, SimNetwork.Witness);

    private string NewGeneration() => $"{Name}-g{++_generations}";

    private static void Done(Task task)
    {
        if (!task.IsCompleted)
        {
            throw new InvalidOperationException("harness: an agent step did not complete synchronously");
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>One run of the agent process: the real components, wired as <c>AgentRuntime</c> wires them.</summary>
    private sealed class Process : IApplianceLink, IPeerProber, IRegistrar, IJournalWriter
    {
        private readonly SimAgent _host;
        private readonly VmInventory _inventory = new();
        private readonly HeartbeatLoop _heartbeats;
        private readonly SelfFencer _fencer;
        private readonly IsolationMonitor _monitor;
        private readonly Reconciler _reconciler;
        private readonly AgentRegistration _registration;
        private long _nextBeat;
        private long _lastPass;
        private long _journalIds;

        public Process(SimAgent host)
        {
            _host = host;
            var time = host._clock;
            State = new AgentState(new AgentOptions { Name = host.Name, PowerOffBoundMs = host.PowerOffBoundMs, IsolationResponse = "power-off" }, time, host.NewGeneration);
            State.UseTimings(host._world.Timings.Lease);
            State.MemberKey = Keys.KeyFor(host.Name, host.Identity);
            Replica = new SimReplica();
            _heartbeats = new HeartbeatLoop(State, this, Replica, _inventory, NullLogger<HeartbeatLoop>.Instance);
            _fencer = new SelfFencer(State, Replica, host.Hypervisor, this, NullLogger<SelfFencer>.Instance);
            _monitor = new IsolationMonitor(State, Replica, this, _fencer, this, NullLogger<IsolationMonitor>.Instance);
            _reconciler = new Reconciler(State, Replica, host.Hypervisor, _inventory, this, NullLogger<Reconciler>.Instance);
            _registration = new AgentRegistration(State, this, _fencer, _reconciler, NullLogger<AgentRegistration>.Instance);
            _heartbeats.RejoinNeeded += _registration.Refused;
            _nextBeat = time.GetTimestamp();
            _lastPass = _nextBeat - Ticks(Reconciler.Cadence);
        }

        public AgentState State { get; }

        public SimReplica Replica { get; }

        public void FirstBeatIn(TimeSpan delay) => _nextBeat = _host._clock.GetTimestamp() + Ticks(delay);

        /// <summary>
        /// The loops of <c>AgentRuntime</c>, each for what is due now on the agent's clock. They run
        /// concurrently in production; here a heartbeat due at the instant the lease runs out goes
        /// first, and a report changed by the reconciler's pass goes out in the same step, as the
        /// nudge sends it at once.
        /// </summary>
        public void Step()
        {
            var time = _host._clock;
            Done(_registration.StepAsync(CancellationToken.None));
            Beat(time.GetTimestamp());
            Done(_monitor.CheckAsync(CancellationToken.None));
            long now = time.GetTimestamp();
            if (_reconciler.TakeWake() || time.GetElapsedTime(_lastPass, now) >= Reconciler.Cadence)
            {
                _lastPass = now;
                Done(_reconciler.PassAsync(CancellationToken.None));
                foreach (var vm in _inventory.Report(_ => true).Where(v => v.Running && v.Epoch > 0))
                {
                    _host.Hypervisor.Retag(vm.Name, vm.Epoch);
                }
            }

            Beat(now);
        }

        private void Beat(long now)
        {
            if (now >= _nextBeat || _heartbeats.NudgePending)
            {
                _nextBeat = now + Ticks(TimeSpan.FromMilliseconds(State.Timings.HeartbeatMs));
                Done(_heartbeats.BeatNowAsync(CancellationToken.None));
            }
        }

        private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _host._clock.TimestampFrequency);

        Task<ApiResult<HeartbeatResponse>> IApplianceLink.HeartbeatAsync(HeartbeatRequest request, string memberKey, TimeSpan timeout, CancellationToken ct) =>
            Task.FromResult(_host.Connected && _host._world.Heartbeats is { } service
                ? service.Heartbeat(request, memberKey)
                : ApiResult<HeartbeatResponse>.Fail(0, "unreachable", "no route to the appliance"));

        Task<IReadOnlyList<(PeerAnswer Answer, long Index, int Voters)>> IPeerProber.ProbeAsync(IReadOnlyDictionary<string, string> peers, TimeSpan timeout, CancellationToken ct)
        {
            var answers = new List<(PeerAnswer, long, int)>(peers.Count);
            foreach (string name in peers.Keys)
            {
                var peer = _host._world.Agent(name);
                if (peer is { Up: true } && _host._world.Net.Reach(_host.Name, name))
                {
                    var r = ProbeServer.Answer(peer._process.State, peer._process.Replica);
                    answers.Add((new PeerAnswer(name, true, r.LeaseValid, r.AppliedIndex, r.Voters), r.AppliedIndex, r.Voters));
                }
                else
                {
                    answers.Add((new PeerAnswer(name, false, false), 0L, 0));
                }
            }

            return Task.FromResult<IReadOnlyList<(PeerAnswer Answer, long Index, int Voters)>>(answers);
        }

        Task IRegistrar.JoinAsync(CancellationToken ct) => Task.CompletedTask; // credentials are per name and identity: the same again

        Task<bool> IRegistrar.AdmitAsync(CancellationToken ct)
        {
            if (!_host.Connected || !_host._world.Register(_host))
            {
                return Task.FromResult(false);
            }

            State.MarkRegistered(State.Generation);
            return Task.FromResult(true);
        }

        long IJournalWriter.Append(NewDecision decision)
        {
            string summary = decision.Evidence?["summary"]?.GetValue<string>() ?? string.Empty;
            _host._world.Trace($"{_host.Name}: {decision.Kind} {decision.Outcome}: {summary}");
            if (decision.Kind == "SelfFence")
            {
                _host._world.SelfFenced(_host, summary);
            }

            return ++_journalIds;
        }

        long IJournalWriter.RecordEvent(string kind, string subject, string message, string? oldState, string? newState)
        {
            if (kind == "IsolationCheck")
            {
                _host._world.Trace($"{_host.Name}: {message}"); // starts and stops: the hypervisor traces them
            }

            return ++_journalIds;
        }
    }
}

/// <summary>An agent's replica of the committed state, fed from the simulated log.</summary>
internal sealed class SimReplica : IAgentReplica
{
    public SimReplica() => State.Applied += (_, _, _) => Applied?.Invoke();

    public ClusterState State { get; } = new();

    public ClusterView View => State.View;

    public long AppliedIndex => State.LastIndex;

    public event Action? Applied;
}
