using HaWitness.Cluster.State;
using HaWitness.Failover.Placement;

namespace HaWitness.Failover.Tests.Placement;

public sealed class PlacementPlannerTests
{
    private static HostSlot Host(string name, int cpus = 16, long mem = 32768, int usedCpu = 0, long usedMem = 0, string? ineligible = null) =>
        new(name, cpus, mem, usedCpu, usedMem, ineligible);

    private static VmDemand Vm(string name, int cpus = 2, long mem = 2048, VmPriority p = VmPriority.Medium, string[]? deps = null, string[]? avoid = null, string? required = null) =>
        new(name, cpus, mem, p, deps ?? [], avoid, required);

    private static PlacementPlan Plan(IReadOnlyList<HostSlot> hosts, IReadOnlyList<VmDemand> vms, Func<PlacementRequest, PlacementRequest>? with = null)
    {
        var request = new PlacementRequest { Hosts = hosts, Vms = vms };
        return PlacementPlanner.Plan(with is null ? request : with(request));
    }

    [Fact]
    public void Plan_PutsEachVmOnTheHostWithTheMostRoomLeft()
    {
        var plan = Plan([Host("a", usedCpu: 10), Host("b", usedCpu: 2)], [Vm("web")]);

        Assert.Equal("b", Assert.Single(plan.Placed).Host);
    }

    [Fact]
    public void Plan_NeverExceedsCpuOrMemory()
    {
        var plan = Plan([Host("a", cpus: 4, mem: 4096)], [Vm("x", 2, 2048), Vm("y", 2, 2048), Vm("z", 1, 512)]);

        Assert.Equal(["x", "y"], plan.Placed.Select(p => p.Vm).Order());
        Assert.Equal("z", Assert.Single(plan.NotPlaced).Vm);
        Assert.StartsWith("not restarted: no capacity", plan.NotPlaced[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_WhenCapacityIsShort_StartsByPriority()
    {
        var plan = Plan([Host("b", cpus: 4, mem: 8192)],
            [Vm("low", 2, 2048, VmPriority.Low), Vm("high", 2, 2048, VmPriority.High), Vm("medium", 2, 2048, VmPriority.Medium)]);

        Assert.Equal(["high", "medium"], plan.Placed.Select(p => p.Vm));
        Assert.Equal("low", Assert.Single(plan.NotPlaced).Vm);
    }

    [Fact]
    public void Plan_NeverPlacesDisabledPriority()
    {
        var plan = Plan([Host("b")], [Vm("off", p: VmPriority.Disabled)]);

        Assert.Empty(plan.Placed);
        Assert.Contains("disabled", Assert.Single(plan.NotPlaced).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SkipsFailedFencedAndMaintenanceHosts()
    {
        var plan = Plan([Host("a", ineligible: "failed"), Host("b", ineligible: "in maintenance"), Host("c", ineligible: "fenced"), Host("d", cpus: 2)], [Vm("web")]);

        Assert.Equal("d", Assert.Single(plan.Placed).Host);
    }

    [Fact]
    public void Plan_WithNoEligibleHost_SaysSo()
    {
        var plan = Plan([Host("a", ineligible: "failed")], [Vm("web")]);

        Assert.Contains("no eligible host", Assert.Single(plan.NotPlaced).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OrdersDependenciesFirst_AndDependentsWaitForThem()
    {
        var plan = Plan([Host("b")], [Vm("web", deps: ["db"]), Vm("db")]);

        Assert.Equal(["db", "web"], plan.Placed.Select(p => p.Vm));
        Assert.Equal(["db"], plan.Placed[1].WaitFor);
        Assert.Empty(plan.Placed[0].WaitFor);
    }

    [Fact]
    public void Plan_ADependencyThatRunsAlready_IsMet()
    {
        var plan = Plan([Host("b")], [Vm("web", deps: ["db"])], r => r with { Running = new HashSet<string> { "db" } });

        Assert.Empty(Assert.Single(plan.Placed).WaitFor);
    }

    [Fact]
    public void Plan_ADependencyNobodyStarts_IsIgnoredAndSaid()
    {
        var plan = Plan([Host("b")], [Vm("web", deps: ["gone"])]);

        var web = Assert.Single(plan.Placed);
        Assert.Empty(web.WaitFor);
        Assert.Contains("ignores dependency gone", web.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ALowPriorityDependency_InheritsItsDependentsPriority()
    {
        // Room for two: the high-priority web needs its low-priority db; the medium VM loses out.
        var plan = Plan([Host("b", cpus: 4, mem: 4096)],
            [Vm("web", p: VmPriority.High, deps: ["db"]), Vm("db", p: VmPriority.Low), Vm("other", p: VmPriority.Medium)]);

        Assert.Equal(["db", "web"], plan.Placed.Select(p => p.Vm));
        Assert.Equal("other", Assert.Single(plan.NotPlaced).Vm);
    }

    [Fact]
    public void Plan_ADependentOfAnUnplacedVm_IsNotPlacedEither()
    {
        var plan = Plan([Host("b", cpus: 2, mem: 2048)], [Vm("db", 4, 4096, VmPriority.High), Vm("web", 1, 512, VmPriority.High, ["db"])]);

        Assert.Empty(plan.Placed);
        Assert.Contains("starts after db", plan.NotPlaced.Single(u => u.Vm == "web").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ADependencyCycle_DoesNotHang()
    {
        var plan = Plan([Host("b")], [Vm("x", deps: ["y"]), Vm("y", deps: ["x"])]);

        Assert.Equal(2, plan.Placed.Count);
    }

    [Fact]
    public void Plan_KeepApart_PutsTheVmsOnDifferentHosts()
    {
        var rule = new PlacementRule("dns", PlacementRuleKind.KeepApart, ["dns1", "dns2"], []);
        var plan = Plan([Host("a"), Host("b")], [Vm("dns1"), Vm("dns2")], r => r with { Rules = [rule] });

        Assert.NotEqual(plan.Placed[0].Host, plan.Placed[1].Host);
    }

    [Fact]
    public void Plan_KeepApart_CountsVmsThatAreNotMoving()
    {
        var rule = new PlacementRule("dns", PlacementRuleKind.KeepApart, ["dns1", "dns2"], []);
        var plan = Plan([Host("a", usedCpu: 8), Host("b")], [Vm("dns2")],
            r => r with { Rules = [rule], Placed = new Dictionary<string, string> { ["dns1"] = "b" } });

        Assert.Equal("a", Assert.Single(plan.Placed).Host);
    }

    [Fact]
    public void Plan_KeepApart_WithOneHostLeft_RefusesTheSecondVm()
    {
        var rule = new PlacementRule("dns", PlacementRuleKind.KeepApart, ["dns1", "dns2"], []);
        var plan = Plan([Host("a"), Host("b", ineligible: "failed")], [Vm("dns1"), Vm("dns2")], r => r with { Rules = [rule] });

        Assert.Single(plan.Placed);
        Assert.Contains("rule dns keeps it apart", Assert.Single(plan.NotPlaced).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_KeepTogether_PutsTheGroupOnOneHostThatHoldsItAll()
    {
        var rule = new PlacementRule("app", PlacementRuleKind.KeepTogether, ["app", "cache"], []);
        // a has more room per VM, but only b holds both.
        var plan = Plan([Host("a", cpus: 3, mem: 3000), Host("b", cpus: 4, mem: 8192, usedCpu: 0)], [Vm("app", 2, 2048), Vm("cache", 2, 2048)], r => r with { Rules = [rule] });

        Assert.All(plan.Placed, p => Assert.Equal("b", p.Host));
    }

    [Fact]
    public void Plan_KeepTogether_FollowsAMemberThatStays()
    {
        var rule = new PlacementRule("app", PlacementRuleKind.KeepTogether, ["app", "cache"], []);
        var plan = Plan([Host("a"), Host("b", usedCpu: 8)], [Vm("cache")],
            r => r with { Rules = [rule], Placed = new Dictionary<string, string> { ["app"] = "b" } });

        var p = Assert.Single(plan.Placed);
        Assert.Equal("b", p.Host);
        Assert.Contains("kept together", p.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_PreferHost_IsUsedWhenItHasRoom_AndIgnoredWhenNot()
    {
        var rule = new PlacementRule("pin", PlacementRuleKind.PreferHost, ["web"], ["a"]);
        var roomy = Plan([Host("a", usedCpu: 10), Host("b")], [Vm("web")], r => r with { Rules = [rule] });
        var full = Plan([Host("a", cpus: 1), Host("b")], [Vm("web")], r => r with { Rules = [rule] });

        Assert.Equal("a", Assert.Single(roomy.Placed).Host);
        Assert.Equal("b", Assert.Single(full.Placed).Host);
    }

    [Fact]
    public void Plan_AvoidsHostsWhereTheStartFailed_AndHonoursARequiredHost()
    {
        var avoided = Plan([Host("a"), Host("b", usedCpu: 8)], [Vm("web", avoid: ["a"])]);
        var required = Plan([Host("a"), Host("b", usedCpu: 8)], [Vm("web", required: "b")]);

        Assert.Equal("b", Assert.Single(avoided.Placed).Host);
        Assert.Equal("b", Assert.Single(required.Placed).Host);
    }

    [Fact]
    public void Plan_AdmissionControl_KeepsRoomForTheReservedFailures_OnlyForPlannedPlacements()
    {
        // Two hosts of 8 CPUs, 7 used: a 2-CPU VM more (9) would no longer fit on one host after the other fails.
        var hosts = new[] { Host("a", cpus: 8, usedCpu: 4), Host("b", cpus: 8, usedCpu: 3) };
        var planned = Plan(hosts, [Vm("new")], r => r with { Purpose = PlacementPurpose.Planned, ReserveHostFailures = 1 });
        var failover = Plan(hosts, [Vm("new")], r => r with { Purpose = PlacementPurpose.Failover, ReserveHostFailures = 1 });

        Assert.Contains("admission control", Assert.Single(planned.NotPlaced).Reason, StringComparison.Ordinal);
        Assert.StartsWith("not placed: ", planned.NotPlaced[0].Reason, StringComparison.Ordinal);
        Assert.Single(failover.Placed);
    }

    [Fact]
    public void Plan_CpuOvercommit_LetsAHostCarryMoreVcpus()
    {
        var plan = Plan([Host("a", cpus: 4)], [Vm("x", 4), Vm("y", 4)], r => r with { CpuOvercommit = 2.0 });

        Assert.Equal(2, plan.Placed.Count);
    }

    [Fact]
    public void Plan_TenThousandVmsOnSixtyFourHosts_PlacesAllThatFit()
    {
        var hosts = Enumerable.Range(0, 64).Select(i => Host($"h{i:00}", 96, 524_288)).ToList();
        var vms = Enumerable.Range(0, 10_000).Select(i => Vm($"vm{i:00000}", 1 + (i % 2), 1024 + (i % 4 * 256), (VmPriority)(1 + (i % 3)))).ToList();

        var plan = Plan(hosts, vms, r => r with { CpuOvercommit = 4 });

        Assert.Equal(10_000, plan.Placed.Count);
        var cpus = vms.ToDictionary(v => v.Name, v => v.Cpus);
        var load = plan.Placed.GroupBy(p => p.Host).ToDictionary(g => g.Key, g => g.Sum(p => cpus[p.Vm]));
        Assert.All(load.Values, cpu => Assert.True(cpu <= 96 * 4));
    }
}
