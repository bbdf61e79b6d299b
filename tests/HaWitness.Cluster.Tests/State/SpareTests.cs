using System.Text.Json;
using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Tests.State;

public sealed class SpareTests
{
    private static RegisterHost Register(string name, string raft = "127.0.0.1:7001") =>
        new(name, raft, "127.0.0.1:7101", $"iqn.2026-11.lab:{name}", "sim", 8, 16384, "g1", "id-" + name, 3000);

    [Fact]
    public void SetSpare_FlagsTheHost_AndLeavesItsVmsWhereTheyAre()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a"));
        s.Apply(2, new AddVm("web", "a", true, true, VmPriority.High, 2, 2048, null));

        Assert.True(s.Apply(3, new SetSpare("a", true)).Applied);

        Assert.True(s.View.Hosts["a"].Spare);
        Assert.Equal(("a", 2L, true), (s.View.Vms["web"].Host, s.View.Vms["web"].Epoch, s.View.Vms["web"].Run));
        Assert.True(s.Apply(4, new SetSpare("a", false)).Applied);
        Assert.False(s.View.Hosts["a"].Spare);
    }

    [Fact]
    public void SetSpare_OfAnUnknownOrRemovedHost_IsRejected()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a"));
        s.Apply(2, new RemoveHost("a"));

        Assert.Contains("no host nobody", s.Apply(3, new SetSpare("nobody", true)).Reason, StringComparison.Ordinal);
        Assert.False(s.Apply(4, new SetSpare("a", true)).Applied);
        Assert.False(s.View.Hosts["a"].Spare);
    }

    [Fact]
    public void SetSpare_SurvivesFailureAndReregistration_AndAssignmentsToASpareApply()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a"));
        s.Apply(2, Register("s", raft: "127.0.0.1:7002"));
        s.Apply(3, new SetSpare("s", true));
        s.Apply(4, new AddVm("web", "a", true, true, VmPriority.High, 2, 2048, null));
        s.Apply(5, new HostFailed("a", "g1", "lease"));
        s.Apply(6, new HostFenced("a", true, "0 sessions"));

        // The planner chooses spares for failover; the state machine accepts them like any host.
        Assert.True(s.Apply(7, new AssignVms([new VmPlacement("web", "s", true)], "failover")).Applied);
        s.Apply(8, Register("s", raft: "127.0.0.1:7002") with { Generation = "g2" });

        Assert.True(s.View.Hosts["s"].Spare);
        Assert.Equal("s", s.View.Vms["web"].Host);
    }

    [Fact]
    public void SetSpare_RoundTripsThroughTheLogEncoding_AndTheSnapshot()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a"));
        var decoded = ClusterState.Decode(ClusterState.Encode(new SetSpare("a", true)));
        Assert.Equal(new SetSpare("a", true), decoded);
        s.Apply(2, decoded);

        string json = JsonSerializer.Serialize(s.ToSnapshot(), ClusterJson.Default.ClusterSnapshot);
        var copy = new ClusterState();
        copy.Restore(JsonSerializer.Deserialize(json, ClusterJson.Default.ClusterSnapshot)!);

        Assert.Contains("\"spare\":true", json, StringComparison.Ordinal);
        Assert.True(copy.View.Hosts["a"].Spare);
    }

    [Fact]
    public void ALogAndASnapshotWrittenBeforeSpares_ReplayWithNoSpare()
    {
        // Payloads as the appliance wrote them before the Spare flag existed.
        var log = new[]
        {
            """{"type":"RegisterHost","name":"a","raftEndpoint":"127.0.0.1:7001","probeEndpoint":"127.0.0.1:7101","initiatorIqn":"iqn.2026-11.lab:a","hypervisor":"sim","cpus":8,"memoryMb":16384,"generation":"g1","identity":"id-a","powerOffBoundMs":3000,"probation":false}""",
            """{"type":"SetMaintenance","name":"a","on":true}""",
        };
        const string snapshot = """{"index":2,"hosts":[{"name":"b","raftEndpoint":"127.0.0.1:7002","probeEndpoint":"127.0.0.1:7102","initiatorIqn":"iqn.2026-11.lab:b","hypervisor":"sim","cpus":8,"memoryMb":16384,"generation":"g1","identity":"id-b","powerOffBoundMs":3000,"phase":"Active","fenced":false,"maintenance":false,"voter":true,"probation":false,"failedAtIndex":0,"failedGeneration":null,"failedReason":null,"registeredAtIndex":1}],"vms":[],"revokedIdentities":[]}""";

        var replayed = new ClusterState();
        long i = 0;
        foreach (string entry in log)
        {
            Assert.True(replayed.Apply(++i, ClusterState.Decode(System.Text.Encoding.UTF8.GetBytes(entry))).Applied);
        }

        var restored = new ClusterState();
        restored.Restore(JsonSerializer.Deserialize(snapshot, ClusterJson.Default.ClusterSnapshot)!);

        Assert.False(replayed.View.Hosts["a"].Spare);
        Assert.True(replayed.View.Hosts["a"].Maintenance);
        Assert.False(restored.View.Hosts["b"].Spare);
        Assert.True(restored.Apply(3, new SetSpare("b", true)).Applied);
        Assert.True(restored.View.Hosts["b"].Spare);
    }
}
