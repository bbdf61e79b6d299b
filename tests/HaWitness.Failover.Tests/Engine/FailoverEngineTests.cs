using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Alarms;
using HaWitness.Failover.Simulation;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Tests.Engine;

/// <summary>The engine in a small simulated cluster (two hosts and the witness) on the fake clock.</summary>
public sealed class FailoverEngineTests
{
    private static World TwoHosts(bool fence = true, int crashAt = 0, bool commitThenCrash = false)
    {
        var world = new World(7, new SimTimings(), new FailoverOptions(), fence) { Tracing = true };
        world.AddHost("a", 16, 32768, 3000);
        world.AddHost("b", 16, 32768, 3000);
        world.Setup([
            new AddVm("web", "a", true, true, VmPriority.High, 2, 4096, null),
            new AddVm("db", "a", true, true, VmPriority.Medium, 2, 4096, null),
        ]);
        world.Run(TimeSpan.FromSeconds(5));
        world.Log.CrashAtProposal = (crashAt == 0 ? 0 : world.Log.Proposals + crashAt, commitThenCrash);
        return world;
    }

    private static bool AllRunOn(World world, string host) =>
        world.Log.View.Vms.Values.All(v => v.Host == host && world.Agent(host)!.IsRunning(v.Name) && v.Run);

    [Fact]
    public void AVmFoundOnAHost_IsAdoptedWithTheSizeItsHypervisorDefines_AndFailsOverWithIt()
    {
        var world = TwoHosts();
        world.Agent("a")!.Hypervisor.Found("guest", 3, 192);
        world.Run(TimeSpan.FromSeconds(3));

        var guest = world.Log.View.Vms["guest"];
        Assert.Equal(("a", 3, 192L), (guest.Host, guest.Cpus, guest.MemoryMb));
        var adopted = Assert.Single(world.Journal.All, d => d.Kind == "VmAdopted");
        Assert.Contains("3 CPU, 192 MiB", adopted.EvidenceJson, StringComparison.Ordinal);
        Assert.Contains("\"sizeFrom\":\"hypervisor\"", adopted.EvidenceJson, StringComparison.Ordinal);

        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(20));
        Assert.Null(world.Violation);
        Assert.True(AllRunOn(world, "b"));
        Assert.Equal((3, 192L), (world.Log.View.Vms["guest"].Cpus, world.Log.View.Vms["guest"].MemoryMb));
    }

    [Fact]
    public void HostCrash_IsFencedBeforeAnyVmMoves_AndEveryVmRunsOnTheSurvivor()
    {
        var world = TwoHosts();
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(20));

        Assert.Null(world.Violation);
        Assert.True(AllRunOn(world, "b"));
        var rows = world.Journal.All;
        long fenced = rows.First(d => d.Kind == DecisionKinds.FenceHost && d.Outcome == Outcome.Succeeded).Id;
        Assert.All(rows.Where(d => d.Kind == DecisionKinds.PlaceVm), d => Assert.True(d.Id > fenced));
        Assert.Contains(world.Alarms.Raised, a => a.Kind == AlarmKind.HostFailed);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void ApplianceCrash_AtAnyStepOfAFailover_ResumesFromTheCommittedState(int proposal, bool committed)
    {
        var world = TwoHosts(crashAt: proposal, commitThenCrash: committed);
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(40));

        Assert.Null(world.Violation);
        Assert.Contains(world.TraceLines, l => l.Contains($"crash at proposal", StringComparison.Ordinal));
        Assert.True(AllRunOn(world, "b"), string.Join("\n", world.TraceLines));
    }

    [Fact]
    public void Records_AfterAFailover_KeepOnlyTheFailedHost_AndGoWhenItIsRemoved()
    {
        var world = TwoHosts();
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(20));
        Assert.True(AllRunOn(world, "b"));

        // The VMs' start watches and "said once" rows are done with; host a keeps its alarmed failure.
        Assert.Equal((1, 0), world.Engine!.RecordCount);

        world.Log.Append(new RemoveHost("a"), acknowledged: true);
        world.Run(TimeSpan.FromSeconds(1));
        Assert.Equal((0, 0), world.Engine!.RecordCount);
        Assert.Null(world.Violation);
    }

    [Fact]
    public void BeginLeadership_ForgetsTheRecords_ButAFailureIsAlarmedOnce()
    {
        var world = TwoHosts();
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(20));

        world.Engine!.BeginLeadership();
        world.Run(TimeSpan.FromSeconds(5));

        Assert.Single(world.Alarms.Raised, a => a.Kind == AlarmKind.HostFailed);
        Assert.True(AllRunOn(world, "b"));
        Assert.Null(world.Violation);
    }

    [Fact]
    public async Task IsDue_AfterATick_OnlyOnceNudgedOrTheTickPeriodPassed()
    {
        var world = TwoHosts();
        var engine = world.Engine!;
        await engine.TickAsync(CancellationToken.None);
        Assert.False(engine.IsDue);

        engine.Nudge();
        Assert.True(engine.IsDue);
        await engine.WaitAsync(TimeSpan.FromHours(1), CancellationToken.None); // returns at once: nudged

        await engine.TickAsync(CancellationToken.None);
        Assert.False(engine.IsDue);
        world.Clock.Advance(TimeSpan.FromMilliseconds(world.Options.TickMs));
        Assert.True(engine.IsDue);
    }

    [Fact]
    public void FenceFailing_MovesNothing_AlarmsEveryTry_AndMovesOnceItIsVerified()
    {
        var world = TwoHosts();
        world.Target.Failing = true;
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(20));

        Assert.Equal("a", world.Log.View.Vms["web"].Host);
        Assert.True(world.Alarms.Raised.Count(a => a.Kind == AlarmKind.FenceFailed) >= 2);

        world.Target.Failing = false;
        world.Run(TimeSpan.FromSeconds(20));
        Assert.True(AllRunOn(world, "b"));
        Assert.Null(world.Violation);
    }

    [Fact]
    public void LeaseOnly_EveryFailoverSaysSoInTheJournal()
    {
        var world = TwoHosts(fence: false);
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(20));

        var fence = Assert.Single(world.Journal.All, d => d.Kind == DecisionKinds.FenceHost);
        Assert.Contains("LEASE ONLY", fence.EvidenceJson, StringComparison.Ordinal);
        Assert.Contains("lease only", fence.EvidenceJson, StringComparison.Ordinal);
        Assert.True(world.Engine!.LeaseOnly);
        Assert.True(AllRunOn(world, "b"));
    }

    [Fact]
    public void NoQuorum_FencesNobody_AndJournalsWhyOnce()
    {
        var world = TwoHosts();
        world.Net.Isolate(SimNetwork.Witness);
        world.Run(TimeSpan.FromSeconds(30));

        Assert.DoesNotContain(world.Journal.All, d => d.Kind is DecisionKinds.HostFailed or DecisionKinds.FenceHost);
        Assert.Single(world.Journal.All, d => d.Kind == "Quorum" && d.Outcome == Outcome.Failed);
        Assert.Single(world.Alarms.Raised, a => a.Kind == AlarmKind.QuorumLost);
    }

    [Fact]
    public void ReadmissionGrant_ThatFails_IsJournaledAndAlarmedPerTry_AndTheHostIsAdmittedOnlyOnceItLands()
    {
        var world = TwoHosts();
        world.Net.Isolate("a");
        world.Run(TimeSpan.FromSeconds(25));
        Assert.True(AllRunOn(world, "b"));

        world.Target.Failing = true; // the target refuses every grant while a comes back
        world.Net.Reconnect("a");
        world.Run(TimeSpan.FromSeconds(20));

        Assert.Null(world.Violation);
        Assert.Equal(HostPhase.Failed, world.Log.View.Hosts["a"].Phase);
        var failed = world.Journal.All.Where(d => d.Kind == DecisionKinds.UnfenceHost && d.Outcome == Outcome.Failed).ToList();
        Assert.True(failed.Count >= 2, $"{failed.Count} failed grant tries");
        Assert.Equal(failed.Count, world.Alarms.Raised.Count(a => a.Kind == AlarmKind.GrantFailed && a.Subject == "host:a"));
        Assert.DoesNotContain(world.Journal.All, d => d.Kind == "ReadmitHost" && d.Outcome == Outcome.Succeeded);
        var pauses = failed.Zip(failed.Skip(1), (x, y) => y.Time - x.Time).ToList();
        Assert.True(pauses.Zip(pauses.Skip(1)).All(p => p.Second >= p.First), string.Join(", ", pauses)); // they grow

        world.Target.Failing = false;
        world.Run(TimeSpan.FromSeconds(20));

        Assert.Null(world.Violation);
        Assert.Equal(HostPhase.Active, world.Log.View.Hosts["a"].Phase);
        Assert.Single(world.Journal.All, d => d.Kind == DecisionKinds.UnfenceHost && d.Outcome == Outcome.Succeeded);
        Assert.Single(world.Journal.All, d => d.Kind == "ReadmitHost" && d.Outcome == Outcome.Succeeded);
    }

    [Fact]
    public void StaleWriter_IsNotReadmitted_UntilItRunsNoneOfTheMovedVms()
    {
        var world = TwoHosts();
        world.Net.Isolate("a"); // a keeps running, self-fences, is fenced, its VMs move
        world.Run(TimeSpan.FromSeconds(25));
        Assert.True(AllRunOn(world, "b"));

        world.Net.Reconnect("a");
        world.Run(TimeSpan.FromSeconds(10));

        Assert.Null(world.Violation);
        var a = world.Log.View.Hosts["a"];
        Assert.True(a.Phase == HostPhase.Active, string.Join("\n", world.Journal.All.Select(d => $"{d.Time:HH:mm:ss.fff} {d.Kind} {d.Subject} {d.Outcome} {d.EvidenceJson[..Math.Min(300, d.EvidenceJson.Length)]}")));
        Assert.NotEqual("a-g1", a.Generation);
        Assert.Contains(world.Journal.All, d => d.Kind == "ReadmitHost" && d.Outcome == Outcome.Succeeded);
    }

    [Fact]
    public void TheLeadersDutiesDetectTheFailure_TheEngineFencesAndAlarmsOnce()
    {
        var world = new World(11, new SimTimings(), new FailoverOptions(), fenceConfigured: true);
        world.AddHost("a", 16, 32768, 3000);
        world.AddHost("b", 16, 32768, 3000);
        world.Setup([new AddVm("web", "a", true, true, VmPriority.High, 2, 4096, null)]);
        world.Run(TimeSpan.FromSeconds(5));
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(15));

        // Suspected first, then failed with a majority: both by the production detector (LeaderDuties).
        var rows = world.Journal.All.Where(d => d.Subject == "host:a").Select(d => (d.Kind, d.Outcome)).ToList();
        int suspected = rows.IndexOf(("HostSuspected", Outcome.Decided));
        int failed = rows.IndexOf(("HostFailed", Outcome.Succeeded));
        Assert.True(suspected >= 0 && failed > suspected, string.Join(", ", rows));
        Assert.Single(world.Alarms.Raised, a => a.Kind == AlarmKind.HostFailed);
        Assert.True(world.Log.View.Hosts["a"].Fenced);
        Assert.False(world.Log.View.Hosts["a"].Voter); // dynamic quorum, by the same duties
        Assert.True(AllRunOn(world, "b"));
        Assert.Null(world.Violation);
    }
}
