using HaWitness.Cluster.State;
using HaWitness.Failover.Simulation;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Tests.Planned;

public sealed class PlannedOperationsTests
{
    private static World Cluster(int bCpus = 16, int reserve = 0)
    {
        var world = new World(5, new SimTimings(), new FailoverOptions { ReserveHostFailures = reserve }, fenceConfigured: true);
        world.AddHost("a", 16, 32768, 3000);
        world.AddHost("b", bCpus, 32768, 3000);
        world.Setup([
            new AddVm("web", "a", true, true, VmPriority.High, 2, 4096, null),
            new AddVm("db", "a", true, true, VmPriority.High, 4, 4096, null),
            new AddVm("idle", "a", false, true, VmPriority.Low, 1, 1024, null),
        ]);
        world.Run(TimeSpan.FromSeconds(3));
        return world;
    }

    private static T Sync<T>(Task<T> task)
    {
        Assert.True(task.IsCompleted);
        return task.GetAwaiter().GetResult();
    }

    [Fact]
    public void Maintenance_MovesEveryVmAway_StopsBeforeStarting_AndFencesNobody()
    {
        var w = Cluster();
        var r = Sync(w.Planned!.EnterMaintenanceAsync("a", false, CancellationToken.None));
        w.Run(TimeSpan.FromSeconds(10));

        Assert.True(r.Accepted, r.Message);
        Assert.All(w.Log.View.Vms.Values, v => Assert.Equal("b", v.Host));
        Assert.True(w.Agent("b")!.IsRunning("web") && w.Agent("b")!.IsRunning("db"));
        Assert.False(w.Log.View.Vms["idle"].Run);
        Assert.DoesNotContain(w.Journal.All, d => d.Kind == "FenceHost");
        Assert.Null(w.Violation);
        Assert.True(w.Log.View.Hosts["a"].Maintenance);
    }

    [Fact]
    public void Maintenance_WithNowhereToGo_IsRefusedAndChangesNothing()
    {
        var w = Cluster(bCpus: 4);
        var r = Sync(w.Planned!.EnterMaintenanceAsync("a", false, CancellationToken.None));

        Assert.False(r.Accepted);
        Assert.Equal("refused", r.Code);
        Assert.Contains("no capacity", r.Message, StringComparison.Ordinal);
        Assert.False(w.Log.View.Hosts["a"].Maintenance);
    }

    [Fact]
    public void Migrate_MovesOneVm_WithANewEpoch()
    {
        var w = Cluster();
        long before = w.Log.View.Vms["web"].Epoch;
        var r = Sync(w.Planned!.MigrateAsync("web", "b", CancellationToken.None));
        w.Run(TimeSpan.FromSeconds(6));

        Assert.True(r.Accepted, r.Message);
        var web = w.Log.View.Vms["web"];
        Assert.Equal("b", web.Host);
        Assert.True(web.Epoch > before);
        Assert.True(w.Agent("b")!.IsRunning("web"));
        Assert.Equal("a", w.Log.View.Vms["db"].Host);
    }

    [Fact]
    public void Migrate_RespectsAdmissionControl()
    {
        // 16 + 4 CPUs, 6 wanted, one host failure reserved: only 4 CPUs may be used, though b has room for db.
        var w = Cluster(bCpus: 4, reserve: 1);
        var r = Sync(w.Planned!.MigrateAsync("db", "b", CancellationToken.None));

        Assert.False(r.Accepted);
        Assert.Contains("admission control", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrate_CountsTheSourceHostsRoom_ForAdmissionControl()
    {
        // 16 + 8 CPUs, 6 wanted, one host failure reserved: after the move a keeps 2 and b 4, and either
        // host's failure still fits on the other. The source stays in the cluster: its room counts.
        var w = Cluster(bCpus: 8, reserve: 1);
        var r = Sync(w.Planned!.MigrateAsync("db", "b", CancellationToken.None));

        Assert.True(r.Accepted, r.Message);
    }

    [Fact]
    public void HaAndPriority_AreCommittedAndJournaled_AndRepeatsAreNoOps()
    {
        var w = Cluster();
        var p = w.Planned!;

        Assert.Equal("ok", Sync(p.SetHaAsync("web", false, CancellationToken.None)).Code);
        Assert.Equal("noop", Sync(p.SetHaAsync("web", false, CancellationToken.None)).Code);
        Assert.Equal("ok", Sync(p.SetPriorityAsync("web", VmPriority.Low, CancellationToken.None)).Code);
        Assert.Equal("not-found", Sync(p.SetPriorityAsync("nope", VmPriority.Low, CancellationToken.None)).Code);

        Assert.False(w.Log.View.Vms["web"].Ha);
        Assert.Equal(VmPriority.Low, w.Log.View.Vms["web"].Priority);
        Assert.Contains(w.Journal.All, d => d.Kind == "SetVmPriority" && d.EvidenceJson.Contains("priority of web: high", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OperatorReadmit_GrantsAndAdmitsAFailedHost_OnTheirWord()
    {
        var w = Cluster();
        w.Agent("a")!.Crash();
        w.Run(TimeSpan.FromSeconds(15));
        Assert.Equal(HostPhase.Failed, w.Log.View.Hosts["a"].Phase);

        var task = w.Planned!.ReadmitAsync("a", "checked by hand", CancellationToken.None);
        w.Run(TimeSpan.FromSeconds(1)); // the target answers
        var r = await task;

        Assert.True(r.Accepted, r.Message);
        Assert.Equal(HostPhase.Active, w.Log.View.Hosts["a"].Phase);
        Assert.Contains(w.Journal.All, d => d.Kind == "ReadmitHost" && d.EvidenceJson.Contains("operator", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ok\nrm -rf /")]
    public async Task OperatorReadmit_WithoutAOneLineReason_IsABadRequest_AndTheHostStaysOut(string reason)
    {
        var w = Cluster();
        w.Agent("a")!.Crash();
        w.Run(TimeSpan.FromSeconds(15));

        var r = await w.Planned!.ReadmitAsync("a", reason, CancellationToken.None);

        Assert.False(r.Accepted);
        Assert.Equal("bad-request", r.Code);
        Assert.Equal(HostPhase.Failed, w.Log.View.Hosts["a"].Phase);
        Assert.DoesNotContain(w.Journal.All, d => d.Kind == "ReadmitHost");
    }
}
