using HaWitness.Cluster;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Quorum;
using HaWitness.Cluster.State;
using HaWitness.Failover.Engine;
using HaWitness.Failover.Planned;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// One simulated cluster: the appliance (the REAL <see cref="LeaderDuties"/> — the cluster's only
/// failure detector and dynamic quorum —, <see cref="FailoverEngine"/>, planner,
/// <see cref="ClusterState"/> and <see cref="PlannedOperations"/> over a simulated log, liveness,
/// Raft membership and target), the hosts with their agents and hypervisors, the network, and a fake clock. Each
/// <see cref="Step"/> advances time, lets every part act, and checks the safety invariants.
/// </summary>
internal sealed partial class World
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly SortedDictionary<string, SimAgent> _agents = new(StringComparer.Ordinal);
    private readonly List<string> _trace = [];
    private DateTimeOffset _nextTick;
    private DateTimeOffset? _restartApplianceAt;

    public World(int seed, SimTimings timings, FailoverOptions options, bool fenceConfigured)
    {
        Seed = seed;
        Random = new Random(seed);
        Timings = timings;
        Options = options;
        Clock = new FakeTimeProvider(Epoch) { AutoAdvanceAmount = TimeSpan.Zero };
        Net = new SimNetwork();
        Target = new SimTarget(this, fenceConfigured);
        Log = new SimLog(this);
        Journal = new MemoryJournal(Clock);
        Alarms = new RecordingAlarms();
    }

    public int Seed { get; }

    public Random Random { get; }

    public SimTimings Timings { get; }

    public FailoverOptions Options { get; }

    public FakeTimeProvider Clock { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    public double Seconds => (Now - Epoch).TotalSeconds;

    public SimNetwork Net { get; }

    public SimTarget Target { get; }

    public SimLog Log { get; }

    public MemoryJournal Journal { get; }

    public RecordingAlarms Alarms { get; }

    public bool ApplianceUp { get; private set; }

    /// <summary>How many times the appliance started: each start leads in a new Raft term.</summary>
    public long Term { get; private set; }

    /// <summary>The lead's leader-side lease tracker (the REAL one), reset at every appliance start.</summary>
    public HostLeaseTracker? Liveness { get; private set; }

    public FailoverEngine? Engine { get; private set; }

    /// <summary>The lead's heartbeat endpoint (the REAL service: generation checks, acknowledgements), made at every appliance start.</summary>
    public HeartbeatService? Heartbeats { get; private set; }

    /// <summary>The leader's duties (the REAL failure detector and dynamic quorum), made at every appliance start.</summary>
    public LeaderDuties? Duties { get; private set; }

    /// <summary>Raft membership as the duties change it (the simulated log commits with the voters of the state).</summary>
    public SimMembership Membership { get; } = new();

    public PlannedOperations? Planned { get; private set; }

    public IEnumerable<SimAgent> Agents => _agents.Values;

    /// <summary>
    /// Only the appliance crashes and restarts in this run (hosts healthy, links up): a host that
    /// fences itself or a committed <c>HostFailed</c> is a violation.
    /// </summary>
    public bool OnlyApplianceFaults { get; init; }

    /// <summary>Set to keep the trace (scenarios, failing seeds); off for speed.</summary>
    public bool Tracing { get; set; }

    public IReadOnlyList<string> TraceLines => _trace;

    public SimAgent? Agent(string name) => _agents.GetValueOrDefault(name);

    public SimAgent AddHost(string name, int cpus, long memoryMb, int powerOffBoundMs, double clockRate = 1.0)
    {
        var agent = new SimAgent(this, name, cpus, memoryMb, powerOffBoundMs, clockRate);
        _agents[name] = agent;
        return agent;
    }

    /// <summary>Registers every host and adds the VMs, as the first leader would have (before time starts).</summary>
    public void Setup(IEnumerable<AddVm> vms, IEnumerable<ClusterCommand>? more = null)
    {
        foreach (var a in _agents.Values)
        {
            Log.Append(RegisterCommand(a), acknowledged: true);
        }

        foreach (var vm in vms)
        {
            Log.Append(vm, acknowledged: true);
        }

        foreach (var c in more ?? [])
        {
            Log.Append(c, acknowledged: true);
        }

        StartAppliance();
    }

    public void Trace(string line)
    {
        if (Tracing)
        {
            _trace.Add($"{Seconds,7:0.0}s {line}");
        }
    }

    /// <summary>Advances time by one step; every part acts, then the invariants are checked.</summary>
    public void Step()
    {
        Clock.Advance(Timings.Step);
        var now = Now;
        Target.Step(now);
        foreach (var a in _agents.Values)
        {
            a.Step(now);
        }

        if (_restartApplianceAt is { } at && now >= at)
        {
            _restartApplianceAt = null;
            StartAppliance();
        }

        if (ApplianceUp)
        {
            TickLeader(now);
        }

        CheckSafety();
    }

    public void Run(TimeSpan duration)
    {
        var until = Now + duration;
        while (Now < until && Violation is null)
        {
            Step();
        }
    }

    /// <summary>Kills the appliance; with <paramref name="restartAfter"/> it comes back by itself (systemd).</summary>
    public void CrashAppliance(string why, TimeSpan? restartAfter = null)
    {
        if (!ApplianceUp)
        {
            return;
        }

        _restartApplianceAt = restartAfter is { } after ? Now + after : null;
        ApplianceUp = false;
        Engine = null;
        Heartbeats = null;
        Duties = null;
        Planned = null;
        Liveness = null;
        Trace($"appliance crashes ({why})");
    }

    public void StartAppliance()
    {
        _restartApplianceAt = null;
        if (ApplianceUp)
        {
            return;
        }

        string? durability = Log.Rebuild();
        if (durability is not null)
        {
            Fail(durability);
        }

        ApplianceUp = true;
        Term++;
        Liveness = new HostLeaseTracker(Timings.Lease, Clock, () => Log.View);
        Liveness.LeadershipGained();
        Heartbeats = new HeartbeatService(SimAgent.Keys, Log, Liveness, () => ApplianceUp, () => (Term, SimNetwork.Witness, Log.Entries.Count));
        Engine = new FailoverEngine(Log, Liveness, Target, Journal, Alarms, Clock, Options, Timings.Lease, NullLogger<FailoverEngine>.Instance);
        Engine.BeginLeadership();
        Duties = new LeaderDuties(Log, Membership, Liveness, Journal, Timings.Lease, new VmPolicy(true, VmPriority.Medium), Clock, NullLogger<LeaderDuties>.Instance);
        Planned = new PlannedOperations(Log, Liveness, Target, Journal, Clock, Options, NullLogger<PlannedOperations>.Instance);
        _nextTick = Now;
        Trace($"appliance starts, state rebuilt from {Log.Entries.Count} committed entries");
    }

    /// <summary>An operator's request to the leader's API (ignored while the appliance is down).</summary>
    public void Operator(Func<PlannedOperations, Task<OperationResult>> request)
    {
        if (Planned is null)
        {
            Trace("operator request ignored: the appliance is down");
            return;
        }

        try
        {
            var task = request(Planned);
            var result = task.IsCompleted ? task.GetAwaiter().GetResult() : null;
            Trace($"operator: {result?.Code ?? "pending"}: {result?.Message}");
        }
        catch (ApplianceCrashedException)
        {
            Trace("operator request: the appliance crashed under it");
        }
    }

    /// <summary>The agent's join call: the leader commits its registration (new generation, same identity).</summary>
    public bool Register(SimAgent agent)
    {
        if (!ApplianceUp || !ApplianceReachesMajority())
        {
            return false;
        }

        var commit = Log.Append(RegisterCommand(agent), acknowledged: true);
        Trace($"{agent.Name}: registers as {agent.Generation} (index {commit.Index}, {(commit.Result.Applied ? "applied" : commit.Result.Reason)})");
        return commit.Result.Applied;
    }

    public bool ApplianceReachesMajority()
    {
        var voters = Voters(Log.View);
        int reached = 1 + voters.Count(v => _agents.TryGetValue(v, out var a) && a.Up && Net.Reach(SimNetwork.Witness, v));
        return reached * 2 > voters.Count + 1;
    }

    /// <summary>The Raft voters besides the appliance, as the committed state records them.</summary>
    public static List<string> Voters(ClusterView view) =>
        [.. view.Hosts.Values.Where(h => h.Phase != HostPhase.Removed && h.Voter).Select(h => h.Name)];


    /// <summary>An agent's self-fence (its real <c>SelfFencer</c> journaled it).</summary>
    public void SelfFenced(SimAgent agent, string summary)
    {
        if (OnlyApplianceFaults)
        {
            Fail($"{agent.Name} fenced itself ({summary}) though only the appliance crashed or restarted");
        }
    }

    public void OnCommitted(long index, ClusterCommand command, ApplyResult result)
    {
        Trace($"commit {index}: {command.Describe()}{(result.Applied ? string.Empty : " [rejected: " + result.Reason + "]")}");
        if (OnlyApplianceFaults && command is HostFailed failed)
        {
            Fail($"HostFailed committed for {failed.Name} ({failed.Reason}) though only the appliance crashed or restarted");
        }

        if (command is ReadmitHost r && result.Applied)
        {
            CheckReadmission(r.Name, "ReadmitHost committed");
        }
    }

    /// <summary>
    /// One pass of the appliance's leader loop, in its order: the leader's duties every step
    /// (100 ms, the loop's period), then the engine when its tick is due (every
    /// <see cref="FailoverOptions.TickMs"/> here: the stories' timings assume that period).
    /// A step that throws is a violation, except the appliance crashing under it.
    /// </summary>
    private void TickLeader(DateTimeOffset now)
    {
        if (!Pass("leader duties", Duties!.TickAsync) || !ApplianceUp || now < _nextTick)
        {
            return;
        }

        _nextTick = now + TimeSpan.FromMilliseconds(Options.TickMs);
        Pass("engine", Engine!.TickAsync);
    }

    /// <summary>Runs one step of the pass synchronously; false when the harness failed the run.</summary>
    private bool Pass(string step, Func<CancellationToken, Task> tick)
    {
        try
        {
            var task = tick(CancellationToken.None);
            if (!task.IsCompleted)
            {
                Fail($"harness: the {step} tick did not complete synchronously");
                return false;
            }

            task.GetAwaiter().GetResult();
        }
        catch (ApplianceCrashedException)
        {
            // the appliance died under the step; the schedule restarts it
        }
        catch (NotLeaderException ex)
        {
            Trace($"{step}: not leader: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Fail($"the {step} threw: {ex}");
            return false;
        }

        return true;
    }

    private RegisterHost RegisterCommand(SimAgent a) =>
        new(a.Name, $"10.0.0.{_agents.Keys.ToList().IndexOf(a.Name) + 10}:7000", $"10.0.0.{_agents.Keys.ToList().IndexOf(a.Name) + 10}:7001",
            a.Iqn, "sim", a.Cpus, a.MemoryMb, a.Generation, a.Identity, a.PowerOffBoundMs);
}
