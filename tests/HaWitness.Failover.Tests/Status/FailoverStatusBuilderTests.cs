using HaWitness.Cluster.State;
using HaWitness.Failover.Simulation;
using HaWitness.Failover.Status;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Tests.Status;

public sealed class FailoverStatusBuilderTests
{
    [Fact]
    public void Status_ListsEveryVmWithItsState_TheFenceModeAndTheTolerance()
    {
        var w = new World(9, new SimTimings(), new FailoverOptions(), fenceConfigured: false);
        w.AddHost("a", 16, 32768, 3000);
        w.AddHost("b", 4, 8192, 3000);
        w.Setup([
            new AddVm("web", "a", true, true, VmPriority.High, 2, 2048, null),
            new AddVm("big", "a", true, true, VmPriority.Low, 8, 4096, null),
            new AddVm("off", "b", false, true, VmPriority.Medium, 1, 1024, null),
        ]);
        w.Run(TimeSpan.FromSeconds(5));
        var before = FailoverStatusBuilder.Build(w.Log.View, w.Liveness!, false, w.Options, TimeSpan.FromSeconds(2.5));
        w.Agent("a")!.Crash();
        w.Run(TimeSpan.FromSeconds(20));
        var after = FailoverStatusBuilder.Build(w.Log.View, w.Liveness!, false, w.Options, TimeSpan.FromSeconds(2.5));

        Assert.Equal(["running", "stopped", "running"], before.Vms.Select(v => v.State)); // big, off, web (by name)
        Assert.Equal(0, before.CanTolerateHostFailures);
        Assert.StartsWith("LEASE ONLY", before.StorageFence, StringComparison.Ordinal);
        Assert.True(before.CanAct);
        Assert.Equal("unplaced", after.Vms.Single(v => v.Name == "big").State);
        Assert.Equal(("running", "b"), (after.Vms.Single(v => v.Name == "web").State, after.Vms.Single(v => v.Name == "web").Host));
        Assert.Equal("fenced", after.Hosts.Single(h => h.Name == "a").State);
        Assert.Equal(VmPriority.High.ToString().ToLowerInvariant(), after.Vms.Single(v => v.Name == "web").Priority);
    }
}
