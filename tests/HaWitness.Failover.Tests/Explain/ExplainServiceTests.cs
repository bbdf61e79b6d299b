using HaWitness.Cluster.Grants;
using HaWitness.Cluster.State;
using HaWitness.Core.Fencing;
using HaWitness.Failover.Explain;
using HaWitness.Failover.Simulation;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Tests.Explain;

public sealed class ExplainServiceTests
{
    private static World CrashedA(int bCpus = 16)
    {
        var world = new World(3, new SimTimings(), new FailoverOptions(), fenceConfigured: true);
        world.AddHost("a", 16, 32768, 3000);
        world.AddHost("b", bCpus, 32768, 3000);
        world.Setup([
            new AddVm("web", "a", true, true, VmPriority.High, 2, 4096, null),
            new AddVm("big", "a", true, true, VmPriority.Low, 8, 4096, null),
            new AddVm("scratch", "a", true, false, VmPriority.Medium, 1, 1024, null),
        ]);
        world.Run(TimeSpan.FromSeconds(5));
        world.Agent("a")!.Crash();
        world.Run(TimeSpan.FromSeconds(20));
        return world;
    }

    private static ExplainService Explainer(World w) => new(w.Journal, w.Log, w.Liveness!);

    [Fact]
    public void Vm_ThatMoved_SaysWhereAndWhy_WithTheHostsFailureInTheChain()
    {
        var w = CrashedA();

        var answer = Explainer(w).Vm("web");

        Assert.True(answer.Found);
        Assert.StartsWith("web is running on b", answer.Answer, StringComparison.Ordinal);
        Assert.Contains("moved from a", answer.Answer, StringComparison.Ordinal);
        Assert.Contains(answer.Chain, s => s.Kind == "HostFailed" && s.Subject == "host:a");
        Assert.Contains(answer.Chain, s => s.Kind == "FenceHost" && s.Outcome == "Succeeded");
        Assert.Equal("running", answer.Current!["state"]!.GetValue<string>());
        Assert.True(answer.Chain.Select(s => s.Id).SequenceEqual(answer.Chain.Select(s => s.Id).Order()));
    }

    [Fact]
    public void Vm_NotRestarted_SaysWhy()
    {
        var w = CrashedA(bCpus: 4);

        var big = Explainer(w).Vm("big");
        var scratch = Explainer(w).Vm("scratch");

        Assert.True(big.Answer.Contains("not restarted: no capacity", StringComparison.Ordinal), big.Answer);
        Assert.Equal("unplaced", big.Current!["state"]!.GetValue<string>());
        Assert.True(scratch.Answer.Contains("HA is off", StringComparison.Ordinal), scratch.Answer);
    }

    [Fact]
    public async Task Host_WhoseJoinGrantFailed_SaysItsStorageAccessIsNotGrantedYet_UntilAGrantLands()
    {
        var w = CrashedA();
        var b = w.Log.View.Hosts["b"];
        var target = new UnreachableThenGrantingTarget();
        using var grants = new StorageGrants(w.Log, target, d => w.Journal.Append(d), null, w.Clock);
        var request = GrantRequest.Join("b", b.InitiatorIqn, b.Generation, "host joined");

        Assert.True((await grants.TryAsync(request, 1, retried: true, CancellationToken.None)).Failed);
        var answer = Explainer(w).Host("b");
        Assert.Contains("Storage access NOT granted yet", answer.Answer, StringComparison.Ordinal);
        Assert.Contains("ssh: connection refused", answer.Answer, StringComparison.Ordinal);
        Assert.Contains(answer.Chain, s => s.Kind == "GrantInitiator" && s.Outcome == "Failed");

        target.Reachable = true;
        Assert.True((await grants.TryAsync(request, 2, retried: true, CancellationToken.None)).Verified);
        Assert.DoesNotContain("NOT granted", Explainer(w).Host("b").Answer, StringComparison.Ordinal);
    }

    /// <summary>Test double of the storage target: refuses the connection until told it is reachable.</summary>
    private sealed class UnreachableThenGrantingTarget : IStorageFencer
    {
        public bool Reachable { get; set; }

        public bool IsConfigured => true;

        public Task<FenceOutcome> FenceAsync(FenceRequest request, CancellationToken cancellationToken) => UnfenceAsync(request, cancellationToken);

        public Task<FenceOutcome> UnfenceAsync(FenceRequest request, CancellationToken cancellationToken) => Task.FromResult(Reachable
            ? new FenceOutcome(true, false, $"{request.InitiatorIqn} granted", [])
            : new FenceOutcome(false, false, "not verified", [], "ssh: connection refused"));
    }

    [Fact]
    public void Host_ThatFailed_SaysWhyItWasFenced()
    {
        var answer = Explainer(CrashedA()).Host("a");

        // In the leader's duties' words (the one failure detector): the silence and the bound it passed.
        Assert.Matches(@"a was declared failed: silent for \d+ ms: its lease surely expired \(bound \d+ ms\)", answer.Answer);
        Assert.Contains("cut off the storage (verified)", answer.Answer, StringComparison.Ordinal);
        Assert.Contains("new generation", answer.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_ReadmittedOnTheOperatorsWord_SaysSoWithTheReason_NotThatItNeverFailed()
    {
        var w = CrashedA();
        var readmit = w.Planned!.ReadmitAsync("a", "disk checked by hand", CancellationToken.None);
        w.Run(TimeSpan.FromSeconds(1)); // the target answers the grant
        Assert.True((await readmit).Accepted);

        var answer = Explainer(w).Host("a");

        Assert.Equal(HostPhase.Active, w.Log.View.Hosts["a"].Phase);
        Assert.True(answer.Answer.StartsWith("a is active: a re-admitted on the operator's word (disk checked by hand)", StringComparison.Ordinal), answer.Answer);
        Assert.Contains(answer.Chain, s => s.Kind == "HostFailed");
        Assert.Contains(answer.Chain, s => s.Kind == "ReadmitHost");
    }

    [Fact]
    public void Unknown_IsNotFound()
    {
        var e = Explainer(CrashedA());

        Assert.False(e.Vm("nope").Found);
        Assert.False(e.Host("nope").Found);
    }
}
