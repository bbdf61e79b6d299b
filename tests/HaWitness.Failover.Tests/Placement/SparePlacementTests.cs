using HaWitness.Cluster.State;
using HaWitness.Failover.Placement;

namespace HaWitness.Failover.Tests.Placement;

public sealed class SparePlacementTests
{
    private static HostSlot Host(string name, int cpus = 16, long mem = 32768, int usedCpu = 0, long usedMem = 0, bool spare = false) =>
        new(name, cpus, mem, usedCpu, usedMem, null, spare);

    private static VmDemand Vm(string name, int cpus = 2, long mem = 2048, string? required = null) =>
        new(name, cpus, mem, VmPriority.Medium, [], null, required);

    private static PlacementPlan Plan(PlacementPurpose purpose, IReadOnlyList<HostSlot> hosts, IReadOnlyList<VmDemand> vms, int reserve = 0,
        IReadOnlyList<PlacementRule>? rules = null) =>
        PlacementPlanner.Plan(new PlacementRequest { Hosts = hosts, Vms = vms, Purpose = purpose, ReserveHostFailures = reserve, Rules = rules ?? [] });

    [Fact]
    public void PlannedPlacement_NeverChoosesASpare_EvenWithTheMostRoom()
    {
        var plan = Plan(PlacementPurpose.Planned, [Host("a", usedCpu: 12), Host("s", cpus: 64, mem: 1 << 20, spare: true)], [Vm("web")]);

        Assert.Equal("a", Assert.Single(plan.Placed).Host);
    }

    [Fact]
    public void PlannedPlacement_WithOnlyASpareLeft_IsNotPlaced_AndSaysWhy()
    {
        var plan = Plan(PlacementPurpose.Planned, [Host("a", usedCpu: 16), Host("s", spare: true)], [Vm("web")]);
        var onlySpare = Plan(PlacementPurpose.Planned, [Host("s", spare: true)], [Vm("web")]);

        Assert.Empty(plan.Placed);
        Assert.StartsWith("not placed: no capacity", Assert.Single(plan.NotPlaced).Reason, StringComparison.Ordinal);
        Assert.Contains("spares take VMs only in a failover", Assert.Single(onlySpare.NotPlaced).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MigrateToASpare_IsRefused_WithTheReason()
    {
        var plan = Plan(PlacementPurpose.Planned, [Host("a"), Host("s", spare: true)], [Vm("web", required: "s")]);

        Assert.Equal("not placed: host s cannot take it (it is a spare: it takes VMs only in a failover)", Assert.Single(plan.NotPlaced).Reason);
    }

    [Fact]
    public void Failover_PrefersASpare_OverAnEmptierNormalHostAndAPreferHostRule()
    {
        var rules = new List<PlacementRule> { new("web-on-b", PlacementRuleKind.PreferHost, ["web"], ["b"]) };
        var plan = Plan(PlacementPurpose.Failover, [Host("b"), Host("s", usedCpu: 8, spare: true)], [Vm("web")], rules: rules);

        var placed = Assert.Single(plan.Placed);
        Assert.Equal("s", placed.Host);
        Assert.Equal("a spare: failover restarts go to spares first", placed.Why);
    }

    [Fact]
    public void Failover_FillsTheSpares_ThenUsesTheOtherHosts()
    {
        var plan = Plan(PlacementPurpose.Failover, [Host("b"), Host("s1", cpus: 4, spare: true), Host("s2", cpus: 2, spare: true)],
            [Vm("v1"), Vm("v2"), Vm("v3"), Vm("v4")]);

        var where = plan.Placed.ToDictionary(p => p.Vm, p => p.Host);
        Assert.Equal(3, where.Values.Count(h => h.StartsWith('s')));
        Assert.Equal(1, where.Values.Count(h => h == "b"));
        Assert.Empty(plan.NotPlaced);
    }

    [Fact]
    public void Failover_KeepTogetherStillWinsOverTheSpare()
    {
        var rules = new List<PlacementRule> { new("pair", PlacementRuleKind.KeepTogether, ["web", "db"], []) };
        var plan = PlacementPlanner.Plan(new PlacementRequest
        {
            Hosts = [Host("b"), Host("s", spare: true)],
            Vms = [Vm("web")],
            Placed = new Dictionary<string, string> { ["db"] = "b" },
            Rules = rules,
        });

        Assert.Equal("b", Assert.Single(plan.Placed).Host);
    }

    [Fact]
    public void AdmissionControl_CountsTheSparesRoom()
    {
        // a and b are 16 CPUs each, the spare 16 too; reserve one host failure: a and b may be filled,
        // because the spare takes a failed host's load.
        var hosts = new[] { Host("a", usedCpu: 16), Host("b", usedCpu: 12), Host("s", spare: true) };

        var plan = Plan(PlacementPurpose.Planned, hosts, [Vm("web", cpus: 4)], reserve: 1);
        var tooMuch = Plan(PlacementPurpose.Planned, [Host("a", usedCpu: 16), Host("b", usedCpu: 12), Host("s", usedCpu: 2, spare: true)], [Vm("web", cpus: 4)], reserve: 1);

        Assert.Equal("b", Assert.Single(plan.Placed).Host);
        Assert.Contains("admission control", Assert.Single(tooMuch.NotPlaced).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FailureTolerance_CountsAnEmptySpare()
    {
        var withSpare = FailureTolerance.Compute([Host("a", usedCpu: 16), Host("b", usedCpu: 16), Host("s", spare: true)]);
        var without = FailureTolerance.Compute([Host("a", usedCpu: 16), Host("b", usedCpu: 16)]);

        Assert.Equal(1, withSpare);
        Assert.Equal(0, without);
    }

    [Fact]
    public void PlacementInput_CarriesTheSpareFlag_AndASpareStaysEligible()
    {
        var state = new ClusterState();
        state.Apply(1, new RegisterHost("a", "127.0.0.1:7001", "127.0.0.1:7101", "iqn.2026-11.lab:a", "sim", 8, 16384, "g1", "id-a", 3000));
        state.Apply(2, new RegisterHost("s", "127.0.0.1:7002", "127.0.0.1:7102", "iqn.2026-11.lab:s", "sim", 8, 16384, "g1", "id-s", 3000));
        state.Apply(3, new SetSpare("s", true));

        var slots = PlacementInput.Hosts(state.View);

        Assert.Equal([false, true], slots.Select(s => s.Spare));
        Assert.All(slots, s => Assert.Null(s.Ineligible));
    }
}
