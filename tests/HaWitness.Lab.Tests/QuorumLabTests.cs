using System.Net;
using System.Text.Json;
using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests;

/// <summary>The appliance and sim agents as real processes on loopback, DotNext Raft not mocked.</summary>
public sealed class QuorumLabTests : IAsyncLifetime
{
    private readonly ClusterLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static bool Online(JsonElement s, string host) =>
        ClusterLab.Host(s, host) is { } h && h.GetProperty("state").GetString() == "online" && h.GetProperty("voter").GetBoolean();

    private async Task<JsonElement> FormAsync(params string[] hosts)
    {
        await _lab.StartApplianceAsync();
        foreach (var h in hosts)
        {
            _lab.StartAgent(h);
        }

        return await _lab.WaitForStatusAsync(
            s => hosts.All(h => Online(s, h)) && s.GetProperty("vms").GetArrayLength() == 2 * hosts.Length
                 && s.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean(),
            "every host online as a voter with its VMs, and quorum");
    }

    [Fact]
    public async Task AgentsJoin_AsVotersWithTheirFacts_AndTheirVmsBecomeHaProtected()
    {
        var s = await FormAsync("host-a", "host-b");

        var a = ClusterLab.Host(s, "host-a")!.Value;
        Assert.Equal("sim", a.GetProperty("hypervisor").GetString());
        Assert.Equal("iqn.2026-11.org.hawitness:host-a", a.GetProperty("initiatorIqn").GetString());
        Assert.True(a.GetProperty("cpus").GetInt32() > 0);
        Assert.StartsWith("127.0.0.1:", a.GetProperty("raftEndpoint").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, s.GetProperty("quorum").GetProperty("voters").GetInt32());
        Assert.All(s.GetProperty("vms").EnumerateArray(), vm => Assert.True(vm.GetProperty("ha").GetBoolean()));
        await _lab.WaitForStatusAsync(x => x.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running"), "VMs reported running");
    }

    [Fact]
    public async Task AgentKilled_HostFailedIsCommitted_AndItLeavesTheVoters_ThenApplianceRestartFencesNobody()
    {
        await FormAsync("host-a", "host-b");

        _lab.Agents["host-a"].Signal(Posix.SIGKILL);
        // "failed", then "fenced" once the failover engine fenced it (lease only here: no target).
        await _lab.WaitForStatusAsync(s => ClusterLab.Host(s, "host-a")!.Value.GetProperty("state").GetString() is "failed" or "fenced", "host-a failed");
        var after = await _lab.WaitForStatusAsync(
            s => !ClusterLab.Host(s, "host-a")!.Value.GetProperty("voter").GetBoolean() && s.GetProperty("quorum").GetProperty("voters").GetInt32() == 2,
            "host-a removed from the voters");
        // host-b learns that the removal committed with the leader's next Raft heartbeat: restarting
        // the appliance before that leaves b deciding on a view where a is a voter, and then it
        // rightly fences itself (a majority could form without it). Wait for b's report.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!JournalReader.Decisions(_lab.ApplianceData).Any(d => d.Kind == "VoterRemoved"))
        {
            Assert.True(DateTime.UtcNow < deadline, "no VoterRemoved row");
            await Task.Delay(50);
        }

        using var removed = JsonDocument.Parse(JournalReader.Decisions(_lab.ApplianceData).Last(d => d.Kind == "VoterRemoved").Evidence);
        long removedAt = removed.RootElement.GetProperty("index").GetInt64();
        after = await _lab.WaitForStatusAsync(
            s => ClusterLab.Host(s, "host-b")!.Value.TryGetProperty("appliedIndex", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt64() >= removedAt,
            "host-b applied the voter removal");
        Assert.True(Online(after, "host-b"));
        var failed = Assert.Single(JournalReader.Decisions(_lab.ApplianceData), d => d.Kind == "HostFailed");
        Assert.Equal("host:host-a", failed.Subject);
        Assert.Contains("silenceMs", failed.Evidence, StringComparison.Ordinal);
        Assert.Contains("its lease surely expired", failed.Evidence, StringComparison.Ordinal); // the one-line reason operators read

        // The appliance restarts: it replays its log, leads again, and fences nobody.
        await _lab.StopApplianceAsync();
        await _lab.StartApplianceAsync();
        var back = await _lab.WaitForStatusAsync(
            s => s.GetProperty("leader").ValueKind == JsonValueKind.String && s.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean() && Online(s, "host-b"),
            "leader again with quorum");
        Assert.Contains(ClusterLab.Host(back, "host-a")!.Value.GetProperty("state").GetString(), new[] { "failed", "fenced" });
        await Task.Delay(3000); // several lease periods: host-b must stay untouched
        Assert.Single(JournalReader.Decisions(_lab.ApplianceData), d => d.Kind == "HostFailed");
        Assert.True(Online(await _lab.StatusAsync(), "host-b"));
        Assert.DoesNotContain(_lab.Agents["host-b"].AllOutput.Split('\n'), l => l.Contains("SELF-FENCED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RaftPeerWithAForeignCertificate_IsRefusedAtTheHandshake_AndJournaled()
    {
        await FormAsync("host-a");
        string dir = Path.Combine(_lab.Dir, "rogue");
        Directory.CreateDirectory(dir);
        using var rogueCa = HaWitness.Cluster.Security.ClusterCa.LoadOrCreate(dir);
        using var identity = HaWitness.Cluster.Security.MemberIdentity.LoadOrCreate(dir);
        var ep = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, ClusterLab.FreePort());
        using (var cert = rogueCa.Issue(identity.CreateSigningRequestPem("rogue"), "rogue", ep, HaWitness.Cluster.Security.MemberRole.Host))
        {
            identity.SaveCertificates(cert.ExportCertificatePem(), rogueCa.CertificatePem);
        }

        // A self-made cluster leader asks the appliance to join it: the appliance's TLS refuses it.
        await using var rogue = await HaWitness.Cluster.Raft.RaftNode.StartAsync(new HaWitness.Cluster.Raft.RaftNodeOptions
        {
            Directory = Path.Combine(dir, "raft"),
            EndPoint = ep,
            LeaderEligible = true,
            ColdStart = true,
            Certificate = identity.Certificate(),
            ClusterCa = identity.ClusterCa(),
        }, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, null, CancellationToken.None);
        while (!rogue.IsLeader)
        {
            await Task.Delay(20);
        }

        Assert.False(await rogue.AddMemberAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, _lab.RaftPort), "any", CancellationToken.None));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!JournalReader.Decisions(_lab.ApplianceData).Any(d => d.Kind == "MemberRefused"))
        {
            Assert.True(DateTime.UtcNow < deadline, "no MemberRefused row");
            await Task.Delay(100);
        }

        var row = JournalReader.Decisions(_lab.ApplianceData).First(d => d.Kind == "MemberRefused");
        Assert.Contains("not signed by the cluster CA", row.Evidence, StringComparison.Ordinal);
        Assert.True(ClusterLab.Host(await _lab.StatusAsync(), "host-a") is { } h && h.GetProperty("voter").GetBoolean());
    }

    [Fact]
    public async Task BadJoins_GetClear4xx_AndAJournalRow_AndChangeNothing()
    {
        await FormAsync("host-a");
        var before = await _lab.StatusAsync();

        var wrongToken = await _lab.PostJsonAsync("/api/v1/agents/join", """{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","name":"host-x"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        Assert.Contains("bad_token", await wrongToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var malformed = await _lab.PostJsonAsync("/api/v1/agents/join", """{"token": "x", "name": """);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("malformed_json", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var oversizeBody = await _lab.PostJsonAsync("/api/v1/agents/join", "{\"token\":\"" + new string('a', 70_000) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversizeBody.StatusCode);

        string longName = new('n', 300);
        var oversizeField = await _lab.PostJsonAsync("/api/v1/agents/join",
            $$"""{"token":"{{_lab.Token}}","name":"{{longName}}","raftEndpoint":"127.0.0.1:1","probeEndpoint":"127.0.0.1:2","initiatorIqn":"iqn.2026-11.lab:x","hypervisor":"sim","cpus":1,"memoryMb":1,"generation":"12345678","powerOffBoundMs":1000,"csrPem":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, oversizeField.StatusCode);
        Assert.Contains("name:", await oversizeField.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var hostile = await _lab.PostJsonAsync("/api/v1/agents/join",
            $$"""{"token":"{{_lab.Token}}","name":"x","raftEndpoint":"127.0.0.1:1","probeEndpoint":"127.0.0.1:2","initiatorIqn":"iqn.2026-11.lab:x;reboot","hypervisor":"sim","cpus":1,"memoryMb":1,"generation":"12345678","powerOffBoundMs":1000,"csrPem":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, hostile.StatusCode);
        Assert.Contains("initiatorIqn", await hostile.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Same name, another machine (another key): refused, the agent exits 1 and says why.
        var impostor = _lab.StartAgent("host-a-impostor");
        await impostor.WaitForExitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }); // it runs: it has its own name
        var twin = TestProcess.Start(Binaries.Agent,
        [
            "--witness", _lab.Url!.ToString().TrimEnd('/'), "--join-token", _lab.Token, "--name", "host-a", "--hypervisor", "sim",
            "--data", Path.Combine(_lab.Dir, "twin"), "--raft", $"127.0.0.1:{ClusterLab.FreePort()}",
        ]);
        Assert.Equal(1, await twin.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("registered to another machine", twin.AllOutput, StringComparison.Ordinal);
        twin.Dispose();

        var after = await _lab.StatusAsync();
        Assert.Equal(
            ClusterLab.Host(before, "host-a")!.Value.GetProperty("generation").GetString(),
            ClusterLab.Host(after, "host-a")!.Value.GetProperty("generation").GetString());
        var refusals = JournalReader.Decisions(_lab.ApplianceData).Where(d => d.Kind == "AgentJoin" && d.Outcome == "Refused").ToList();
        Assert.Contains(refusals, d => d.Evidence.Contains("wrong join token", StringComparison.Ordinal));
        Assert.Contains(refusals, d => d.Evidence.Contains("another identity", StringComparison.Ordinal));
        Assert.Contains(refusals, d => d.Evidence.Contains("initiatorIqn", StringComparison.Ordinal));
    }
}
