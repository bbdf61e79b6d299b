using HaWitness.Agent.Runtime;
using HaWitness.Agent.Runtime.Reconcile;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Hypervisors;
using HaWitness.Hypervisors.Sim;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Agent.Tests.Reconcile;

/// <summary>
/// The reconciler against the simulated hypervisor (guest shutdowns that take time, injected
/// refusals), a real committed state and a real SQLite journal: what it reports is what the
/// hypervisor lists, and a refused start reaches the report with its epoch and the driver's words.
/// </summary>
public sealed class ReconcilerTests : IAsyncDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));
    private readonly Replica _replica = new();
    private readonly SimHypervisor _sim;
    private readonly JournalStore _journal;
    private readonly AgentState _state;
    private readonly VmInventory _inventory = new();
    private readonly Reconciler _reconciler;

    public ReconcilerTests()
    {
        _sim = new SimHypervisor(new HypervisorOptions
        {
            Kind = "sim", HostName = "host-a", CallTimeout = TimeSpan.FromSeconds(5),
            Sim = { GuestShutdown = TimeSpan.FromSeconds(20) },
        }, _time, NullLogger<SimHypervisor>.Instance);
        _journal = JournalStore.Open(_dir.File("journal.db"), _time);
        _state = new AgentState(new AgentOptions { Name = "host-a" }, _time, () => "g1");
        _reconciler = new Reconciler(_state, _replica, _sim, _inventory, _journal, NullLogger<Reconciler>.Instance);
        _replica.Apply(new RegisterHost("host-a", "127.0.0.1:7001", "127.0.0.1:7002", "iqn.2026-12.lab:host-a", "sim", 4, 4096, "g1", "id-a", 1000));
        _replica.Apply(new AddVm("web", "host-a", true, true, VmPriority.High, 1, 256, null));
        _state.UseTimings(new LeaseOptions());
        _state.MarkRegistered("g1");
        var lease = _state.Lease;
        Assert.True(lease.Acknowledge(lease.BeginHeartbeat()));
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
        _journal.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task AGuestStillShuttingDown_IsReportedRunning_UntilTheHypervisorListsItOff()
    {
        await _reconciler.PassAsync(CancellationToken.None);
        var web = Assert.Single(_inventory.Report(_ => true));
        Assert.True(web.Running); // started for its epoch
        long epoch = web.Epoch;
        Assert.Equal(_replica.View.Vms["web"].Epoch, epoch);

        // The committed state says stop: a guest shutdown is asked; it takes 20 s.
        _replica.Apply(new SetVmRun("web", false, "operator: stop"));
        await _reconciler.PassAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        await _reconciler.PassAsync(CancellationToken.None);
        web = Assert.Single(_inventory.Report(_ => true));
        Assert.True(web.Running, "reported off while the guest still runs: the appliance could start it elsewhere now");
        Assert.Equal(epoch, web.Epoch);
        Assert.Single(_journal.Events("vm:web"), e => e.Kind == "VmStopped"); // asked once, journaled once

        _time.Advance(TimeSpan.FromSeconds(11));
        await _reconciler.PassAsync(CancellationToken.None);
        web = Assert.Single(_inventory.Report(_ => true));
        Assert.False(web.Running);
        Assert.Equal(0, web.Epoch);
    }

    [Fact]
    public async Task ARefusedStart_IsReportedAtOnce_WithItsEpochAndTheDriversMessage()
    {
        int nudges = 0;
        _inventory.Changed += () => nudges++;
        _sim.InjectFailure(SimOperation.PowerOn, HypervisorErrorKind.StartFailed, "web", times: 1);
        await _reconciler.PassAsync(CancellationToken.None);

        var web = Assert.Single(_inventory.Report(_ => true));
        Assert.False(web.Running);
        Assert.Equal(_replica.View.Vms["web"].Epoch, web.Epoch);
        Assert.Contains("injected failure (StartFailed)", web.Error, StringComparison.Ordinal);
        Assert.True(nudges >= 1, "a refusal must send a heartbeat at once");

        // The next pass starts it; the error is gone from the report.
        await _reconciler.PassAsync(CancellationToken.None);
        web = Assert.Single(_inventory.Report(_ => true));
        Assert.True(web.Running);
        Assert.Null(web.Error);
    }

    [Fact]
    public async Task WithoutALease_NothingStarts_ButAStaleCopyIsStillStopped()
    {
        _state.Lease.Revoke();
        await _reconciler.PassAsync(CancellationToken.None);
        Assert.DoesNotContain(_sim.Vms, v => v.State == VmPowerState.Running);

        // A copy running here that the state now gives to another host is powered off and undefined.
        Assert.True((await _sim.RegisterAsync(VmDefinition.ForSim("db"), CancellationToken.None)).IsOk);
        Assert.True((await _sim.PowerOnAsync(new VmRef("db", "db"), CancellationToken.None)).IsOk);
        _replica.Apply(new RegisterHost("host-b", "127.0.0.1:7003", "127.0.0.1:7004", "iqn.2026-12.lab:host-b", "sim", 4, 4096, "g1", "id-b", 1000));
        _replica.Apply(new AddVm("db", "host-b", true, true, VmPriority.High, 1, 256, null));
        await _reconciler.PassAsync(CancellationToken.None);
        Assert.DoesNotContain(_sim.Vms, v => v.Name == "db");
    }

    [Fact]
    public async Task AVmWhoseDestroyOutlivedTheCall_LeavesNoDefinitionBehind_OnceItIsOffHere()
    {
        await _reconciler.PassAsync(CancellationToken.None);
        Assert.Contains(_sim.Vms, v => v.Name == "web" && v.State == VmPowerState.Running);

        // It moves to host-b; the destroy here does not answer in time (a guest stuck on I/O).
        _replica.Apply(new RegisterHost("host-b", "127.0.0.1:7003", "127.0.0.1:7004", "iqn.2026-12.lab:host-b", "sim", 4, 4096, "g1", "id-b", 1000));
        _replica.Apply(new AssignVms([new VmPlacement("web", "host-b", true)], "failover"));
        _sim.InjectFailure(SimOperation.PowerOff, HypervisorErrorKind.Timeout, "web", times: 1);
        await _reconciler.PassAsync(CancellationToken.None);
        Assert.Contains(_sim.Vms, v => v.Name == "web");

        // The process dies later; the next pass forgets the definition.
        _sim.Crash("web");
        await _reconciler.PassAsync(CancellationToken.None);
        Assert.DoesNotContain(_sim.Vms, v => v.Name == "web");
        Assert.Contains(_journal.Events("vm:web"), e => e.Kind == "VmUnregistered" && e.Message.Contains("host-b owns it", StringComparison.Ordinal));
    }

    /// <summary>The committed state, applied here entry by entry (the agent's Raft member in production).</summary>
    private sealed class Replica : IAgentReplica
    {
        private readonly ClusterState _state = new();

        public Replica() => _state.Applied += (_, _, _) => Applied?.Invoke();

        public ClusterView View => _state.View;

        public long AppliedIndex => _state.LastIndex;

        public event Action? Applied;

        public void Apply(ClusterCommand command)
        {
            var result = _state.Apply(_state.LastIndex + 1, command);
            Assert.True(result.Applied, result.Reason);
        }
    }
}
