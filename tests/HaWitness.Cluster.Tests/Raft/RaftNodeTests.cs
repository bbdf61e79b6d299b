using System.Net;
using System.Net.Sockets;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Cluster.Tests.Raft;

/// <summary>A real DotNext Raft group on loopback with mutual TLS: an appliance and two standby agents.</summary>
public sealed class RaftNodeTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<RaftNode> _nodes = [];
    private readonly ClusterCa _ca;
    private readonly Dictionary<RaftNode, string> _identities = [];

    public RaftNodeTests() => _ca = ClusterCa.LoadOrCreate(_dir.Path);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }

        _ca.Dispose();
        _dir.Dispose();
    }

    private static IPEndPoint FreeEndPoint() => new(IPAddress.Loopback, FreePort.Tcp());

    private async Task<RaftNode> Start(string name, bool appliance, ClusterCa? signer = null, IPEndPoint? ep = null, MemberRole? role = null, bool? leaderEligible = null, bool? coldStart = null)
    {
        ep ??= FreeEndPoint();
        string dir = _dir.File(name);
        Directory.CreateDirectory(dir);
        using var identity = MemberIdentity.LoadOrCreate(dir);
        using var issued = (signer ?? _ca).Issue(identity.CreateSigningRequestPem(name), name, ep, role ?? (appliance ? MemberRole.Appliance : MemberRole.Host));
        identity.SaveCertificates(issued.ExportCertificatePem(), _ca.CertificatePem);
        var node = await RaftNode.StartAsync(new RaftNodeOptions
        {
            Directory = Path.Combine(dir, "raft"),
            EndPoint = ep,
            LeaderEligible = leaderEligible ?? appliance,
            ColdStart = coldStart ?? leaderEligible ?? appliance,
            Certificate = identity.Certificate(),
            ClusterCa = identity.ClusterCa(),
        }, NullLoggerFactory.Instance, null, CancellationToken.None);
        _nodes.Add(node);
        _identities[node] = Pem.Identity(issued);
        return node;
    }

    private static RegisterHost Host(string name, IPEndPoint ep) =>
        new(name, ep.ToString(), "127.0.0.1:1", $"iqn.2026-11.lab:{name}", "sim", 4, 4096, "g1", "id-" + name, 3000);

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("never happened: " + what);
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ApplianceAndTwoStandbyAgents_CommitAndReplicateTheDesiredState()
    {
        var w = await Start("w", appliance: true);
        var a = await Start("a", appliance: false);
        var b = await Start("b", appliance: false);
        await Eventually(() => w.IsLeader, "w leads");

        Assert.True(await w.AddMemberAsync((IPEndPoint)a.LocalEndPoint, _identities[a], CancellationToken.None));
        Assert.True(await w.AddMemberAsync((IPEndPoint)b.LocalEndPoint, _identities[b], CancellationToken.None));
        await a.Readiness.WaitAsync(TimeSpan.FromSeconds(20));
        await b.Readiness.WaitAsync(TimeSpan.FromSeconds(20));

        var c1 = await w.ProposeAsync(Host("a", (IPEndPoint)a.LocalEndPoint), CancellationToken.None);
        var c2 = await w.ProposeAsync(new AddVm("web", "a", true, true, VmPriority.High, 1, 512, null), CancellationToken.None);
        Assert.True(c1.Result.Applied);
        Assert.True(c2.Index > c1.Index);

        await Eventually(() => a.View.Vms.ContainsKey("web") && b.View.Vms.ContainsKey("web"), "both agents applied the VM");
        Assert.Equal(c2.Index, a.View.Vms["web"].Epoch);
        Assert.Equal(3, w.Members.Count);
        Assert.False(a.IsLeader);
        await Assert.ThrowsAsync<NotLeaderException>(() => a.ProposeAsync(new SetVmHa("web", false), CancellationToken.None));
    }

    [Fact]
    public async Task MemberWithACertificateFromAnotherCa_IsRefused()
    {
        var w = await Start("w", appliance: true);
        await Eventually(() => w.IsLeader, "w leads");
        Directory.CreateDirectory(_dir.File("rogue-ca"));
        using var rogueCa = ClusterCa.LoadOrCreate(_dir.File("rogue-ca"));
        var mallory = await Start("mallory", appliance: false, signer: rogueCa);

        bool added = await w.AddMemberAsync((IPEndPoint)mallory.LocalEndPoint, _identities[mallory], CancellationToken.None);

        Assert.False(added);
        Assert.Single(w.Members);
        Assert.True(w.Validator.Refused > 0);
        Assert.Contains("not signed by the cluster CA", w.Validator.LastRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplianceRestart_WhileAVoterDoesNotAnswerAtAll_LeadsWithTheOthers()
    {
        var ep = FreeEndPoint();
        var w = await Start("w", appliance: true, ep: ep);
        var a = await Start("a", appliance: false);
        var b = await Start("b", appliance: false);
        await Eventually(() => w.IsLeader, "w leads");
        Assert.True(await w.AddMemberAsync((IPEndPoint)a.LocalEndPoint, _identities[a], CancellationToken.None));
        Assert.True(await w.AddMemberAsync((IPEndPoint)b.LocalEndPoint, _identities[b], CancellationToken.None));
        await a.Readiness.WaitAsync(TimeSpan.FromSeconds(20));
        await b.Readiness.WaitAsync(TimeSpan.FromSeconds(20));
        foreach (var (name, node) in new[] { ("a", a), ("b", b) })
        {
            // Registered: after its restart the appliance knows whose certificate answers there.
            var ep2 = (IPEndPoint)node.LocalEndPoint;
            Assert.True((await w.ProposeAsync(new RegisterHost(name, ep2.ToString(), "127.0.0.1:1", $"iqn.2026-11.lab:{name}", "sim", 4, 4096, "g1", _identities[node], 3000), CancellationToken.None)).Result.Applied);
        }

        // b's host is cut off (its link down, or powered off): a connection to it never completes
        // its handshake. Here: its address accepts TCP and never says a word.
        var bEndPoint = (IPEndPoint)b.LocalEndPoint;
        await b.DisposeAsync();
        _nodes.Remove(b);
        var silent = new TcpListener(bEndPoint);
        silent.Start();
        try
        {
            // The appliance restarts before b was declared failed: b is still a voter. The appliance
            // and a are 2 of 3: they must elect (before, every vote round waited for b past the
            // election timeout and was given up, for as long as b stayed cut off).
            await w.DisposeAsync();
            _nodes.Remove(w);
            var again = await Start("w", appliance: true, ep: ep, coldStart: false);
            try
            {
                await Eventually(() => again.IsLeader, "w leads again with a, while b does not answer");
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"no leader after the restart: term {again.Term} leader {again.Leader} a.term {a.Term} members: " + string.Join("; ", again.Members));
            }
            var commit = await again.ProposeAsync(new SetMaintenance("a", false), CancellationToken.None);
            Assert.True(commit.Index > 0);
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public void Timeouts_ThatCouldNeverElectWithAnUnresponsiveVoter_AreRefused()
    {
        RaftNodeOptions Options(int lower, int upper, int requestMs) => new()
        {
            Directory = _dir.File("x"), EndPoint = FreeEndPoint(), LeaderEligible = true, ColdStart = true,
            Certificate = null!, ClusterCa = null!,
            LowerElectionTimeoutMs = lower, UpperElectionTimeoutMs = upper, RequestTimeout = TimeSpan.FromMilliseconds(requestMs),
        };

        Assert.Null(new RaftNodeOptions { Directory = "x", EndPoint = FreeEndPoint(), LeaderEligible = true, ColdStart = true, Certificate = null!, ClusterCa = null! }.CheckTimeouts());
        Assert.Contains("below the lower election timeout", Options(300, 600, 1000).CheckTimeouts(), StringComparison.Ordinal);
        Assert.NotNull(Options(2000, 1000, 500).CheckTimeouts());
        Assert.Null(Options(1000, 1500, 800).CheckTimeouts());
        Assert.Contains("Raft heartbeat", Options(100, 200, 50).CheckTimeouts(), StringComparison.Ordinal); // the 150 ms heartbeat is not below 100
    }

    [Fact]
    public async Task ApplianceRestart_ReplaysTheLog_AndLeadsAgain()
    {
        var ep = FreeEndPoint();
        var w = await Start("w", appliance: true, ep: ep);
        await Eventually(() => w.IsLeader, "w leads");
        await w.ProposeAsync(Host("a", FreeEndPoint()), CancellationToken.None);
        var last = await w.ProposeAsync(new SetMaintenance("a", true), CancellationToken.None);
        await w.DisposeAsync();
        _nodes.Remove(w);

        var again = await Start("w", appliance: true, ep: ep);
        await Eventually(() => again.IsLeader, "w leads again");
        await again.ReadBarrierAsync(CancellationToken.None);
        Assert.True(again.View.Hosts["a"].Maintenance);
        Assert.True(again.State.LastIndex >= last.Index);
    }

    [Fact]
    public async Task Admit_OfAnEndpointWhereAnotherHostAnswers_IsRefused()
    {
        var w = await Start("w", appliance: true);
        var a = await Start("a", appliance: false);
        var b = await Start("b", appliance: false);
        await Eventually(() => w.IsLeader, "w leads");

        // The join issued b's certificate for a's endpoint: a answers there with its own, valid one.
        Assert.False(await w.AddMemberAsync((IPEndPoint)a.LocalEndPoint, _identities[b], CancellationToken.None));

        Assert.Single(w.Members);
        Assert.Contains("not the one issued for that endpoint", w.Validator.LastRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostCertificate_OnANonStandbyNode_CannotReplicateOrBeAdded_AndTheLeaderGoesOn()
    {
        var w = await Start("w", appliance: true);
        var a = await Start("a", appliance: false);
        await Eventually(() => w.IsLeader, "w leads");
        Assert.True(await w.AddMemberAsync((IPEndPoint)a.LocalEndPoint, _identities[a], CancellationToken.None));
        await a.Readiness.WaitAsync(TimeSpan.FromSeconds(20));
        var before = await w.ProposeAsync(Host("a", (IPEndPoint)a.LocalEndPoint), CancellationToken.None);
        long term = w.Term;

        // A modified agent: leader-eligible, cold start, holding a valid host certificate of this CA.
        var rogue = await Start("rogue", appliance: false, leaderEligible: true);
        await Eventually(() => rogue.IsLeader, "the rogue leads its own group");
        // As a leader it tries to replicate to the real members: both refuse its connection.
        Assert.False(await rogue.AddMemberAsync((IPEndPoint)w.LocalEndPoint, "any", CancellationToken.None));
        Assert.False(await rogue.AddMemberAsync((IPEndPoint)a.LocalEndPoint, _identities[a], CancellationToken.None));

        Assert.Contains("opened a Raft connection", w.Validator.LastRefusal, StringComparison.Ordinal);
        Assert.Contains("opened a Raft connection", a.Validator.LastRefusal, StringComparison.Ordinal);
        var after = await w.ProposeAsync(new SetMaintenance("a", true), CancellationToken.None);
        Assert.True(w.IsLeader);
        Assert.Equal(term, w.Term);
        Assert.Equal(before.Index + 1, after.Index);
        await Eventually(() => a.View.Hosts.TryGetValue("a", out var h) && h.Maintenance, "a applied the leader's entry");
    }

    [Fact]
    public async Task RemovingItsOwnMember_IsRefused_AndTheLeaderStays()
    {
        var w = await Start("w", appliance: true);
        await Eventually(() => w.IsLeader, "w leads");

        Assert.False(await w.RemoveMemberAsync((IPEndPoint)w.LocalEndPoint, CancellationToken.None));
        Assert.False(await w.AddMemberAsync((IPEndPoint)w.LocalEndPoint, _identities[w], CancellationToken.None));

        Assert.True(w.IsLeader);
        Assert.Single(w.Members);
        Assert.True((await w.ProposeAsync(new SetMaintenance("nobody", true), CancellationToken.None)).Index > 0);
    }
}
