using HaWitness.Cluster.State;
using HaWitness.Failover.Simulation;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Tests.Planned;

public sealed class SpareOperationsTests
{
    /// <summary>a runs web and db; b is emptier than the spare s, so only the spare rule sends VMs to s.</summary>
    private static World Cluster(int reserve = 0)
    {
        var world = new World(7, new SimTimings(), new FailoverOptions { ReserveHostFailures = reserve }, fenceConfigured: true);
        world.AddHost("a", 16, 32768, 3000);
        world.AddHost("b", 32, 65536, 3000);
        world.AddHost("s", 16, 32768, 3000);
        world.Setup(
            [
                new AddVm("web", "a", true, true, VmPriority.High, 2, 4096, null),
                new AddVm("db", "a", true, true, VmPriority.High, 4, 4096, null),
            ],
            [new SetSpare("s", true)]);
        world.Run(TimeSpan.FromSeconds(3));
        return world;
    }

    private static T Sync<T>(Task<T> task)
    {
        Assert.True(task.IsCompleted);
        return task.GetAwaiter().GetResult();
    }

    [Fact]
    public void HostFailure_RestartsItsVmsOnTheSpare_AndNothingMovesBackByItself()
    {
        var w = Cluster();
        w.Agent("a")!.Crash();
        w.Run(TimeSpan.FromSeconds(20));

        Assert.All(w.Log.View.Vms.Values, v => Assert.Equal("s", v.Host));
        Assert.True(w.Agent("s")!.IsRunning("web") && w.Agent("s")!.IsRunning("db"));
        Assert.Contains(w.Journal.All, d => d.Kind == "PlaceVm" && d.EvidenceJson.Contains("failover restarts go to spares first", StringComparison.Ordinal));

        w.Agent("a")!.Boot();
        w.Run(TimeSpan.FromSeconds(60));

        Assert.Equal(HostPhase.Active, w.Log.View.Hosts["a"].Phase);
        Assert.All(w.Log.View.Vms.Values, v => Assert.Equal("s", v.Host));
        Assert.True(w.Log.View.Hosts["s"].Spare);
        Assert.Null(w.Violation);
    }

    [Fact]
    public void OnTheOperatorsWord_VmsGoBackOffTheSpare()
    {
        var w = Cluster(reserve: 1);
        w.Agent("a")!.Crash();
        w.Run(TimeSpan.FromSeconds(20));
        w.Agent("a")!.Boot();
        w.Run(TimeSpan.FromSeconds(30));

        var r = Sync(w.Planned!.MigrateAsync("db", "a", CancellationToken.None));
        w.Run(TimeSpan.FromSeconds(10));

        Assert.True(r.Accepted, r.Message);
        Assert.Equal("a", w.Log.View.Vms["db"].Host);
        Assert.True(w.Agent("a")!.IsRunning("db"));
        Assert.Equal("s", w.Log.View.Vms["web"].Host);
        Assert.Null(w.Violation);
    }

    [Fact]
    public void MakingABusyHostASpare_KeepsItsVmsRunning_AndSaysSo()
    {
        var w = Cluster();
        var r = Sync(w.Planned!.SetSpareAsync("a", true, CancellationToken.None));
        w.Run(TimeSpan.FromSeconds(10));

        Assert.True(r.Accepted, r.Message);
        Assert.Equal("ok", r.Code);
        Assert.Contains("2 VM(s) still on it stay until you migrate them (db, web)", r.Message, StringComparison.Ordinal);
        Assert.True(w.Log.View.Hosts["a"].Spare);
        Assert.True(w.Agent("a")!.IsRunning("web") && w.Agent("a")!.IsRunning("db"));
        Assert.Contains(w.Journal.All, d => d.Kind == "SetSpare" && d.EvidenceJson.Contains("\"by\":\"operator\"", StringComparison.Ordinal));

        var explain = new HaWitness.Failover.Explain.ExplainService(w.Journal, w.Log, w.Liveness!).Host("a");
        Assert.Contains("a becomes a spare", explain.Answer, StringComparison.Ordinal);
        Assert.True(explain.Current!["spare"]!.GetValue<bool>());
        Assert.Contains(explain.Chain, c => c.Kind == "SetSpare");
    }

    [Fact]
    public void SetSpare_Repeats_AreNoOps_UnknownHostsNotFound_AndOffMakesANormalHost()
    {
        var w = Cluster();
        var p = w.Planned!;

        Assert.Equal("noop", Sync(p.SetSpareAsync("s", true, CancellationToken.None)).Code);
        Assert.Equal("not-found", Sync(p.SetSpareAsync("nobody", true, CancellationToken.None)).Code);
        Assert.Equal("ok", Sync(p.SetSpareAsync("s", false, CancellationToken.None)).Code);
        Assert.False(w.Log.View.Hosts["s"].Spare);
    }

    [Fact]
    public void SetSpare_OfARemovedHost_IsRefused_AndSaysWhy()
    {
        var w = new World(7, new SimTimings(), new FailoverOptions(), fenceConfigured: true);
        w.AddHost("a", 16, 32768, 3000);
        w.AddHost("gone", 16, 32768, 3000);
        w.Setup([], [new RemoveHost("gone")]);

        var r = Sync(w.Planned!.SetSpareAsync("gone", true, CancellationToken.None));

        Assert.Equal("refused", r.Code);
        Assert.Contains("host gone was removed", r.Message, StringComparison.Ordinal);
        Assert.False(w.Log.View.Hosts["gone"].Spare);
    }

    [Fact]
    public void Migrate_ToASpare_IsRefused()
    {
        var w = Cluster();
        var r = Sync(w.Planned!.MigrateAsync("web", "s", CancellationToken.None));

        Assert.Equal("refused", r.Code);
        Assert.Contains("it is a spare", r.Message, StringComparison.Ordinal);
        Assert.Equal("a", w.Log.View.Vms["web"].Host);
    }

    [Fact]
    public void Maintenance_NeverEmptiesAHostOntoTheSpare()
    {
        var w = Cluster();
        var r = Sync(w.Planned!.EnterMaintenanceAsync("a", false, CancellationToken.None));
        w.Run(TimeSpan.FromSeconds(10));

        Assert.True(r.Accepted, r.Message);
        Assert.All(w.Log.View.Vms.Values, v => Assert.Equal("b", v.Host));
    }
}
