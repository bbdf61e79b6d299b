using System.Net;
using System.Text.Json;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.Security;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Lab.Tests;

/// <summary>
/// An attacker who holds the join token (and so can get a valid host certificate) against a real
/// appliance and a real agent on loopback: every attempt is refused with a 4xx or at the TLS
/// handshake, journaled, and the cluster keeps its leader, its voters and its VMs.
/// </summary>
public sealed class MembershipAttackLabTests : IAsyncLifetime
{
    private readonly ClusterLab _lab = new();
    private readonly List<RaftNode> _rogues = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var r in _rogues)
        {
            await r.DisposeAsync();
        }

        await _lab.DisposeAsync();
    }

    private static bool Online(JsonElement s, string host) =>
        ClusterLab.Host(s, host) is { } h && h.GetProperty("state").GetString() == "online" && h.GetProperty("voter").GetBoolean();

    private async Task<JsonElement> FormAsync()
    {
        await _lab.StartApplianceAsync();
        _lab.StartAgent("host-a");
        return await _lab.WaitForStatusAsync(
            s => Online(s, "host-a") && s.GetProperty("vms").GetArrayLength() == 2 && s.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean(),
            "host-a online as a voter with its VMs");
    }

    /// <summary>A join as an attacker scripts it: a fresh key, its CSR, the token.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body, MemberIdentity Identity)> JoinAsync(string name, string raft, string probe, string iqn, string? generation = null)
    {
        string dir = Path.Combine(_lab.Dir, "attacker-" + name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        var identity = MemberIdentity.LoadOrCreate(dir);
        string body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["token"] = _lab.Token, ["name"] = name, ["raftEndpoint"] = raft, ["probeEndpoint"] = probe, ["initiatorIqn"] = iqn,
            ["hypervisor"] = "sim", ["cpus"] = 2, ["memoryMb"] = 2048, ["generation"] = generation ?? Guid.NewGuid().ToString("N"),
            ["powerOffBoundMs"] = 1000, ["csrPem"] = identity.CreateSigningRequestPem(name),
        });
        var answer = await _lab.PostJsonAsync("/api/v1/agents/join", body);
        using var doc = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return (answer.StatusCode, doc.RootElement.Clone(), identity);
    }

    private static string Ep(int port) => $"127.0.0.1:{port}";

    /// <summary>A DotNext node holding the certificate a join issued: standby as an agent runs it, or leader-eligible and cold-started (a modified agent).</summary>
    private async Task<RaftNode> StartNodeAsync(string folder, IPEndPoint endPoint, MemberIdentity identity, bool leaderEligible)
    {
        var node = await RaftNode.StartAsync(new RaftNodeOptions
        {
            Directory = Path.Combine(_lab.Dir, folder),
            EndPoint = endPoint,
            LeaderEligible = leaderEligible,
            ColdStart = leaderEligible,
            Certificate = identity.Certificate(),
            ClusterCa = identity.ClusterCa(),
        }, NullLoggerFactory.Instance, null, CancellationToken.None);
        _rogues.Add(node);
        return node;
    }

    private async Task WaitForDecisionAsync(Func<(string Kind, string Subject, string Outcome, string Evidence), bool> match, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!JournalReader.Decisions(_lab.ApplianceData).Any(match))
        {
            Assert.True(DateTime.UtcNow < deadline, "no journal row: " + what + "\n" + _lab.Appliance?.AllOutput);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task JoinsClaimingTheAppliancesEndpoint_AnotherHostsEndpointOrInitiator_AreRefused409_AndNobodyIsHarmed()
    {
        var before = await FormAsync();
        var a = ClusterLab.Host(before, "host-a")!.Value;
        string aRaft = a.GetProperty("raftEndpoint").GetString()!;
        string aIqn = a.GetProperty("initiatorIqn").GetString()!;
        long term = before.GetProperty("term").GetInt64();

        // The attack that used to make the appliance remove itself: a join naming its Raft endpoint.
        var own = await JoinAsync("ghost-1", Ep(_lab.RaftPort), Ep(ClusterLab.FreePort()), "iqn.2026-11.lab:ghost-1");
        Assert.Equal(HttpStatusCode.Conflict, own.Status);
        Assert.Equal("endpoint_taken", own.Body.GetProperty("error").GetString());

        var theirs = await JoinAsync("ghost-2", aRaft, Ep(ClusterLab.FreePort()), "iqn.2026-11.lab:ghost-2");
        Assert.Equal(HttpStatusCode.Conflict, theirs.Status);
        Assert.Equal("endpoint_taken", theirs.Body.GetProperty("error").GetString());

        // Claiming host-a's initiator would let the appliance grant or fence host-a's disks.
        var iqn = await JoinAsync("ghost-3", Ep(ClusterLab.FreePort()), Ep(ClusterLab.FreePort()), aIqn);
        Assert.Equal(HttpStatusCode.Conflict, iqn.Status);
        Assert.Equal("initiator_taken", iqn.Body.GetProperty("error").GetString());

        // A pending join cannot be taken over by another key.
        var first = await JoinAsync("ghost-4", Ep(ClusterLab.FreePort()), Ep(ClusterLab.FreePort()), "iqn.2026-11.lab:ghost-4");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var takeover = await JoinAsync("ghost-4", Ep(ClusterLab.FreePort()), Ep(ClusterLab.FreePort()), "iqn.2026-11.lab:ghost-4b");
        Assert.Equal(HttpStatusCode.Conflict, takeover.Status);
        Assert.Equal("join_pending", takeover.Body.GetProperty("error").GetString());

        await WaitForDecisionAsync(d => d.Kind == "AgentJoin" && d.Outcome == "Refused", "join refusals journaled");
        await Task.Delay(3000); // several lease periods: host-a must stay untouched
        var after = await _lab.StatusAsync();
        Assert.True(Online(after, "host-a"));
        Assert.Equal(term, after.GetProperty("term").GetInt64());
        Assert.Equal(JsonValueKind.String, after.GetProperty("leader").ValueKind);
        Assert.Equal(2, after.GetProperty("quorum").GetProperty("voters").GetInt32());
        Assert.All(after.GetProperty("hosts").EnumerateArray(), h => Assert.StartsWith("host-a", h.GetProperty("name").GetString(), StringComparison.Ordinal));
        Assert.DoesNotContain("SELF-FENCED", _lab.Agents["host-a"].AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(JournalReader.Decisions(_lab.ApplianceData), d => d.Kind is "HostFailed" or "VoterRemoved" or "FenceHost");
    }

    [Fact]
    public async Task ModifiedNonStandbyNode_WithAValidHostCertificate_IsRefusedAndJournaled_AndTheLogIsUnchanged()
    {
        var before = await FormAsync();
        long term = before.GetProperty("term").GetInt64();
        var rogueEp = new IPEndPoint(IPAddress.Loopback, ClusterLab.FreePort());
        var joined = await JoinAsync("mallory", rogueEp.ToString(), Ep(ClusterLab.FreePort()), "iqn.2026-11.lab:mallory");
        Assert.Equal(HttpStatusCode.OK, joined.Status);
        using var identity = joined.Identity;
        identity.SaveCertificates(joined.Body.GetProperty("memberCertificatePem").GetString()!, joined.Body.GetProperty("clusterCaPem").GetString()!);

        // The agent's Raft node, modified: leader-eligible and cold-started, so it leads its own
        // group at once and then tries to replicate to (add) the real members.
        var rogue = await StartNodeAsync("mallory-raft", rogueEp, identity, leaderEligible: true);
        while (!rogue.IsLeader)
        {
            await Task.Delay(20);
        }

        Assert.False(await rogue.AddMemberAsync(new IPEndPoint(IPAddress.Loopback, _lab.RaftPort), "any", CancellationToken.None));

        await WaitForDecisionAsync(d => d.Kind == "MemberRefused" && d.Evidence.Contains("opened a Raft connection", StringComparison.Ordinal), "MemberRefused for the host certificate");
        var after = await _lab.StatusAsync();
        Assert.Equal(term, after.GetProperty("term").GetInt64());
        Assert.True(Online(after, "host-a"));
        Assert.Null(ClusterLab.Host(after, "mallory"));
        Assert.Equal(2, after.GetProperty("quorum").GetProperty("voters").GetInt32());
        Assert.DoesNotContain("SELF-FENCED", _lab.Agents["host-a"].AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdmittedMemberThatNeverShowsUp_IsNoVoter_AndIsDropped_ThenTheClusterStillCommits()
    {
        await FormAsync();
        var ghostEp = new IPEndPoint(IPAddress.Loopback, ClusterLab.FreePort());
        string generation = Guid.NewGuid().ToString("N");
        var joined = await JoinAsync("ghost", ghostEp.ToString(), Ep(ClusterLab.FreePort()), "iqn.2026-11.lab:ghost", generation);
        Assert.Equal(HttpStatusCode.OK, joined.Status);
        using var identity = joined.Identity;
        identity.SaveCertificates(joined.Body.GetProperty("memberCertificatePem").GetString()!, joined.Body.GetProperty("clusterCaPem").GetString()!);

        // A real standby node answers the admit's catch-up (so Raft adds it), then never heartbeats.
        var ghost = await StartNodeAsync("ghost-raft", ghostEp, identity, leaderEligible: false);
        string memberKey = joined.Body.GetProperty("memberKey").GetString()!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(40) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_lab.Url!, "/api/v1/agents/admit"))
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, object> { ["name"] = "ghost", ["generation"] = generation }), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", memberKey);
        var admitted = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);

        // Admitted, but not a voter: the heartbeat quorum is still host-a + the appliance.
        var probation = await _lab.StatusAsync();
        Assert.False(ClusterLab.Host(probation, "ghost")!.Value.GetProperty("voter").GetBoolean());
        Assert.Equal("joining", ClusterLab.Host(probation, "ghost")!.Value.GetProperty("state").GetString());
        Assert.Equal(2, probation.GetProperty("quorum").GetProperty("voters").GetInt32());
        Assert.True(probation.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean());

        // Now it is gone for good (no Raft answers either): it must not hold the majority hostage.
        await ghost.DisposeAsync();
        _rogues.Remove(ghost);
        await WaitForDecisionAsync(d => d.Kind == "MemberDropped" && d.Subject == "host:ghost", "the ghost dropped");

        // The cluster still commits: a real agent joins and becomes a voter.
        _lab.StartAgent("host-b");
        var after = await _lab.WaitForStatusAsync(s => Online(s, "host-a") && Online(s, "host-b"), "host-b joins after the ghost was dropped");
        Assert.Equal(3, after.GetProperty("quorum").GetProperty("voters").GetInt32());
        var dropped = ClusterLab.Host(after, "ghost")!.Value;
        Assert.Equal("offline", dropped.GetProperty("state").GetString()); // unregistered: it may join again
        Assert.False(dropped.GetProperty("voter").GetBoolean());
        await WaitForDecisionAsync(d => d.Kind == "VoterAdded" && d.Subject == "host:host-b", "host-b became a voter once heard");
        Assert.DoesNotContain("SELF-FENCED", _lab.Agents["host-a"].AllOutput, StringComparison.Ordinal);
    }
}
