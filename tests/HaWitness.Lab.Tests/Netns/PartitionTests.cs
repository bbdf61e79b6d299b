using System.Text.Json;
using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests.Netns;

/// <summary>
/// The witness and two hosts in network namespaces, partitioned for real: an isolated host fences
/// itself; a witness cut off from both hosts fences nobody and says it has no quorum.
/// </summary>
public sealed class PartitionTests : IAsyncLifetime
{
    private const int Http = 8080;
    private const int Https = 8443;
    private readonly NetnsLab _lab = new();
    private readonly Dictionary<string, TestProcess> _agents = [];
    private TestProcess? _appliance;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private string StatusUrl => $"http://127.0.0.1:{Http}/api/v1/status";

    private async Task FormAsync()
    {
        await _lab.UpAsync(("w", 1), ("a", 11), ("b", 12));
        string data = Path.Combine(_lab.Dir, "w");
        var env = new Dictionary<string, string>(ClusterLab.FastTimings);
        // As deployed: plain HTTP on loopback for the local status reads, HTTPS for the hosts, which
        // pin its self-signed certificate through the join string.
        string agentsUrl = $"https://{_lab.Ip(1)}:{Https}";
        _appliance = _lab.Start("w", Binaries.Appliance, ["serve", "--data", data, "--urls", $"http://127.0.0.1:{Http};{agentsUrl}", "--raft", $"{_lab.Ip(1)}:7400"], env);
        await _appliance.WaitForListeningAsync();
        var (_, join, _) = await TestProcess.RunAsync(Binaries.Appliance, ["join-token", "--data", data, "--url", agentsUrl, "--join-string"]);
        string joinFile = Path.Combine(_lab.Dir, "join");
        await File.WriteAllTextAsync(joinFile, join);
        foreach (var (name, host) in new[] { ("a", 11), ("b", 12) })
        {
            _agents[name] = _lab.Start(name, Binaries.Agent,
            [
                "--join-file", joinFile, "--name", "host-" + name,
                "--hypervisor", "sim", "--sim-vms", "2", "--data", Path.Combine(_lab.Dir, name),
                "--raft", $"{_lab.Ip(host)}:7420", "--probe", $"{_lab.Ip(host)}:7421",
            ], new Dictionary<string, string> { ["HAWITNESS_AGENT_PowerOffBoundMs"] = "1000" });
        }

        await _lab.WaitForStatusAsync("w", StatusUrl,
            s => s.GetProperty("hosts").EnumerateArray().Count(h => h.GetProperty("state").GetString() == "online") == 2
                 && s.GetProperty("vms").EnumerateArray().Count(v => v.GetProperty("state").GetString() == "running") == 4,
            "both hosts online with their 4 VMs running", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task IsolatedHost_FencesItself_AndTheWitnessDeclaresItFailed_WhileTheOtherHostKeepsRunning()
    {
        Assert.True(NetnsLab.Available, "these tests need root and iproute2 (scripts/deps.sh test)");
        await FormAsync();

        await _lab.CutAsync("a");

        await _agents["a"].WaitForLineAsync(l => l.Contains("SELF-FENCED", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var status = await _lab.WaitForStatusAsync("w", StatusUrl,
            s => ClusterLab.Host(s, "host-a") is { } h && h.GetProperty("state").GetString() == "failed",
            "host-a failed", TimeSpan.FromSeconds(30));
        Assert.Equal("online", ClusterLab.Host(status, "host-b")!.Value.GetProperty("state").GetString());
        Assert.DoesNotContain(_agents["b"].AllOutput.Split('\n'), l => l.Contains("SELF-FENCED", StringComparison.Ordinal));
        string reason = _agents["a"].AllOutput.Split('\n').First(l => l.Contains("SELF-FENCED", StringComparison.Ordinal));
        Assert.Contains("isolated: reaches 1 of 3 voters", reason, StringComparison.Ordinal);
        Assert.Contains("2 HA VMs powered off", reason, StringComparison.Ordinal);

        // Back on the network, it re-registers with a new generation and reports what it did.
        await _lab.HealAsync("a");
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (!JournalReader.Decisions(Path.Combine(_lab.Dir, "w")).Any(d => d.Kind == "SelfFenceReported" && d.Subject == "host:host-a"))
        {
            Assert.True(DateTime.UtcNow < deadline, "host-a never reported its self-fence; agent output:\n" + _agents["a"].AllOutput);
            await Task.Delay(250);
        }

        var report = JournalReader.Decisions(Path.Combine(_lab.Dir, "w")).First(d => d.Kind == "SelfFenceReported");
        Assert.Contains("isolated", report.Evidence, StringComparison.Ordinal);
        Assert.Contains("host-a-vm01", report.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyTheWitnessToHostLinkCut_HostSeesItsPeerHasALeader_AndFencesItself()
    {
        Assert.True(NetnsLab.Available, "these tests need root and iproute2 (scripts/deps.sh test)");
        await FormAsync();

        await _lab.BlockAsync("w", _lab.Ip(11)); // W–A cut; W–B and A–B fine

        string line = await _agents["a"].WaitForLineAsync(l => l.Contains("SELF-FENCED", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Contains("peer host-b has a leader that does not hear this host", line, StringComparison.Ordinal);
        var status = await _lab.WaitForStatusAsync("w", StatusUrl,
            s => ClusterLab.Host(s, "host-a") is { } h && h.GetProperty("state").GetString() == "failed",
            "host-a failed", TimeSpan.FromSeconds(30));
        Assert.Equal("online", ClusterLab.Host(status, "host-b")!.Value.GetProperty("state").GetString());
        Assert.DoesNotContain(_agents["b"].AllOutput.Split('\n'), l => l.Contains("SELF-FENCED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WitnessCutOffFromBothHosts_FencesNobody_AndSaysItHasNoQuorum()
    {
        Assert.True(NetnsLab.Available, "these tests need root and iproute2 (scripts/deps.sh test)");
        await FormAsync();

        await _lab.CutAsync("w");

        var status = await _lab.WaitForStatusAsync("w", StatusUrl,
            s => !s.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean(),
            "the witness reports no quorum", TimeSpan.FromSeconds(30));
        Assert.Contains("no failover and no fencing", status.GetProperty("quorum").GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Both hosts see their leases expire, ask each other, find no leader anywhere, keep their VMs.
        foreach (var agent in _agents.Values)
        {
            await agent.WaitForLineAsync(l => l.Contains("VMs kept: no leader anywhere", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        }

        await Task.Delay(5000); // many lease periods
        status = JsonDocument.Parse(await _lab.CurlAsync("w", StatusUrl)).RootElement;
        Assert.All(status.GetProperty("hosts").EnumerateArray(), h => Assert.NotEqual("failed", h.GetProperty("state").GetString()));
        foreach (var agent in _agents.Values)
        {
            Assert.DoesNotContain(agent.AllOutput.Split('\n'), l => l.Contains("SELF-FENCED", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(JournalReader.Decisions(Path.Combine(_lab.Dir, "w")), d => d.Kind == "HostFailed");
    }
}
