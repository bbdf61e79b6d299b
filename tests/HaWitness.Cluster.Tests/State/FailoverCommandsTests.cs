using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Tests.State;

public sealed class FailoverCommandsTests
{
    private static ClusterState TwoHostsOneVm()
    {
        var s = new ClusterState();
        s.Apply(1, new RegisterHost("a", "127.0.0.1:7001", "127.0.0.1:7101", "iqn.2026-11.lab:a", "sim", 8, 16384, "g1", "id-a", 3000));
        s.Apply(2, new RegisterHost("b", "127.0.0.1:7002", "127.0.0.1:7102", "iqn.2026-11.lab:b", "sim", 8, 16384, "g1", "id-b", 3000));
        s.Apply(3, new AddVm("web", "a", true, true, VmPriority.High, 2, 2048, null));
        s.Apply(4, new AddVm("db", "a", true, true, VmPriority.High, 2, 2048, null));
        return s;
    }

    [Fact]
    public void AssignVms_GivesEveryVmTheEpochOfItsIndex()
    {
        var s = TwoHostsOneVm();

        Assert.True(s.Apply(5, new AssignVms([new("web", "b", true), new("db", "b", true)], "failover")).Applied);

        Assert.All(s.View.Vms.Values, v => Assert.Equal(("b", 5L), (v.Host, v.Epoch)));
    }

    [Fact]
    public void AssignVms_IsAllOrNothing()
    {
        var s = TwoHostsOneVm();
        s.Apply(5, new SetMaintenance("b", true));

        var r = s.Apply(6, new AssignVms([new("web", "a", true), new("db", "b", true)], "x"));

        Assert.False(r.Applied);
        Assert.Equal(3, s.View.Vms["web"].Epoch);
    }

    [Fact]
    public void AssignVms_ToNoHost_KeepsTheWishToRun()
    {
        var s = TwoHostsOneVm();

        s.Apply(5, new AssignVms([new("web", null, true)], "no capacity"));

        Assert.Null(s.View.Vms["web"].Host);
        Assert.True(s.View.Vms["web"].Run);
    }

    [Fact]
    public void BeginMove_StopsTheVmOnItsOwner_WithANewEpoch_AndAssignClearsIt()
    {
        var s = TwoHostsOneVm();

        s.Apply(5, new BeginMove("web", "b", "maintenance"));
        var moving = s.View.Vms["web"];
        Assert.Equal(("a", 5L, false, true, "b"), (moving.Host, moving.Epoch, moving.Run, moving.Moving, moving.MoveTarget));

        s.Apply(6, new AssignVms([new("web", "b", true)], "move"));
        var moved = s.View.Vms["web"];
        Assert.Equal(("b", 6L, true, false), (moved.Host, moved.Epoch, moved.Run, moved.Moving));
        Assert.Null(moved.MoveTarget);
    }

    [Fact]
    public void RulesAndDependencies_SurviveASnapshotAndTheWire()
    {
        var s = TwoHostsOneVm();
        s.Apply(5, new SetPlacementRule(new PlacementRule("apart", PlacementRuleKind.KeepApart, ["web", "db"], [])));
        s.Apply(6, ClusterState.Decode(ClusterState.Encode(new SetVmDependencies("web", ["db"]))));

        var copy = new ClusterState();
        copy.Restore(s.ToSnapshot());

        Assert.Equal(PlacementRuleKind.KeepApart, copy.View.Rules["apart"].Kind);
        Assert.Equal(["db"], copy.View.Vms["web"].DependsOn);
        Assert.True(copy.Apply(7, new RemovePlacementRule("apart")).Applied);
        Assert.Empty(copy.View.Rules);
    }

    [Fact]
    public void SetVmDependencies_RefusesASelfDependency()
    {
        Assert.False(TwoHostsOneVm().Apply(5, new SetVmDependencies("web", ["web"])).Applied);
    }
}
