using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Tests.State;

public sealed class ClusterStateTests
{
    private static RegisterHost Register(string name, string identity = "id-a", string generation = "g1", string raft = "127.0.0.1:7001") =>
        new(name, raft, "127.0.0.1:7101", $"iqn.2026-11.lab:{name}", "sim", 8, 16384, generation, identity, 3000);

    [Fact]
    public void Register_SameNameOtherIdentity_IsRejected_AndChangesNothing()
    {
        var s = new ClusterState();
        Assert.True(s.Apply(1, Register("a")).Applied);

        var r = s.Apply(2, Register("a", identity: "id-mallory", raft: "127.0.0.1:9999"));

        Assert.False(r.Applied);
        Assert.Contains("another identity", r.Reason, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:7001", s.View.Hosts["a"].RaftEndpoint);
    }

    [Fact]
    public void Register_ClaimingAnotherHostsInitiatorOrEndpoint_IsRejected()
    {
        var s = new ClusterState();
        Assert.True(s.Apply(1, Register("a")).Applied);

        var iqn = s.Apply(2, new RegisterHost("b", "127.0.0.1:7002", "127.0.0.1:7102", "iqn.2026-11.lab:a", "sim", 8, 16384, "g1", "id-b", 3000));
        var raft = s.Apply(3, Register("c", identity: "id-c", raft: "127.0.0.1:7001"));

        Assert.False(iqn.Applied);
        Assert.Contains("initiator iqn.2026-11.lab:a belongs to host a", iqn.Reason, StringComparison.Ordinal);
        Assert.False(raft.Applied);
        Assert.Single(s.View.Hosts);
    }

    [Fact]
    public void Probation_NewHostIsNoVoterUntilHeard_AndANeverHeardOneIsUnregistered()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a") with { Probation = true });
        Assert.False(s.View.Hosts["a"].Voter);
        Assert.True(s.View.Hosts["a"].Probation);
        s.Apply(2, new SetHostVoter("a", true));
        Assert.True(s.View.Hosts["a"].Voter);
        Assert.False(s.View.Hosts["a"].Probation);

        // A voter re-registering (agent restart) stays a voter; a new host never heard is dropped.
        s.Apply(3, Register("a", generation: "g2") with { Probation = true });
        Assert.True(s.View.Hosts["a"].Voter);
        s.Apply(4, Register("b", identity: "id-b", raft: "127.0.0.1:7002") with { Probation = true });
        Assert.False(s.Apply(5, new EndProbation("b", "other-generation")).Applied);
        Assert.True(s.Apply(6, new EndProbation("b", "g1")).Applied);
        Assert.Equal(HostPhase.Removed, s.View.Hosts["b"].Phase);
        Assert.False(s.View.Hosts["b"].Voter);
        Assert.DoesNotContain("id-b", s.View.RevokedIdentities); // it may join again
    }

    [Fact]
    public void Readmit_WithTheGenerationThatFailed_IsRefused_ButANewGenerationIsAdmitted()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a", generation: "g1"));
        s.Apply(2, new HostFailed("a", "g1", "lease expired"));
        s.Apply(3, new HostFenced("a", true, "0 sessions after"));

        Assert.False(s.Apply(4, new ReadmitHost("a", "g1", ByOperator: false, "came back")).Applied);
        Assert.True(s.View.Hosts["a"].Fenced);

        s.Apply(5, Register("a", generation: "g2"));
        Assert.Equal(HostPhase.Failed, s.View.Hosts["a"].Phase);
        Assert.True(s.Apply(6, new ReadmitHost("a", "g2", ByOperator: false, "new generation, no stale VM")).Applied);
        Assert.Equal(HostPhase.Active, s.View.Hosts["a"].Phase);
        Assert.False(s.View.Hosts["a"].Fenced);
    }

    [Fact]
    public void AssignVm_SetsTheEpochToTheLogIndex_AndRefusesFencedOrMaintenanceHosts()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a"));
        s.Apply(2, Register("b", identity: "id-b", raft: "127.0.0.1:7002"));
        s.Apply(3, new AddVm("web", "a", true, true, VmPriority.High, 2, 2048, null));
        Assert.Equal(3, s.View.Vms["web"].Epoch);

        s.Apply(4, new SetMaintenance("b", true));
        Assert.False(s.Apply(5, new AssignVm("web", "b", true, "test")).Applied);
        s.Apply(6, new SetMaintenance("b", false));
        Assert.True(s.Apply(7, new AssignVm("web", "b", true, "failover")).Applied);
        Assert.Equal(("b", 7L), (s.View.Vms["web"].Host, s.View.Vms["web"].Epoch));

        s.Apply(8, new HostFailed("a", "g1", "x"));
        Assert.False(s.Apply(9, new AssignVm("web", "a", true, "back")).Applied);
    }

    [Fact]
    public void Replay_OfAnAppliedIndex_IsIgnored()
    {
        var s = new ClusterState();
        s.Apply(1, Register("a"));
        s.Apply(2, new SetMaintenance("a", true));
        var again = s.Apply(2, new SetMaintenance("a", false));
        Assert.False(again.Applied);
        Assert.True(s.View.Hosts["a"].Maintenance);
    }

    [Fact]
    public void Commands_RoundTripThroughTheLogEncoding_AndSnapshotsRestoreTheSameState()
    {
        ClusterCommand[] commands =
        [
            Register("a"),
            new AddVm("db", "a", true, true, VmPriority.Low, 1, 1024, "<domain/>"),
            new SetVmPriority("db", VmPriority.High),
            new HostFailed("a", "g1", "lease"),
        ];
        var s = new ClusterState();
        long i = 0;
        foreach (var c in commands)
        {
            var decoded = ClusterState.Decode(ClusterState.Encode(c));
            Assert.Equal(c.GetType(), decoded.GetType());
            Assert.Equal(c.Describe(), decoded.Describe());
            s.Apply(++i, decoded);
        }

        var copy = new ClusterState();
        copy.Restore(s.ToSnapshot());
        Assert.Equal(s.View.Index, copy.View.Index);
        Assert.Equal(s.View.Hosts["a"], copy.View.Hosts["a"]);
        Assert.Equal(VmPriority.High, copy.View.Vms["db"].Priority);
    }

    [Fact]
    public void Decode_Garbage_Throws()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ClusterState.Decode("""{"type":"FormatDisk","name":"a"}"""u8));
    }
}
