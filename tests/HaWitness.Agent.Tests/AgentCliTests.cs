using HaWitness.TestSupport;

namespace HaWitness.Agent.Tests;

/// <summary>The agent binary's command line, as a host's install script uses it.</summary>
public sealed class AgentCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Valid(params string[] overrides)
    {
        var args = new Dictionary<string, string>
        {
            ["--witness"] = "http://127.0.0.1:8080",
            ["--join-token"] = "0123456789abcdef0123",
            ["--name"] = "host-a",
            ["--hypervisor"] = "sim",
            ["--data"] = _dir.File("agent"),
            ["--raft"] = "127.0.0.1:7421",
        };
        for (int i = 0; i < overrides.Length; i += 2)
        {
            args[overrides[i]] = overrides[i + 1];
        }

        return [.. args.SelectMany(kv => new[] { kv.Key, kv.Value })];
    }

    [Fact]
    public async Task Help_ListsTheContractOptions()
    {
        var (code, stdout, _) = await TestProcess.RunAsync(Binaries.Agent, ["--help"]);
        Assert.Equal(0, code);
        foreach (var option in new[] { "--witness", "--join-token", "--name", "--hypervisor", "--data", "--raft", "--sim-vms",
            "--join-token-file", "--join", "--join-file", "--witness-fingerprint" })
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--name", "host;reboot", "is not a valid host name")]
    [InlineData("--join-token", "$(id)", "JoinToken is malformed")]
    [InlineData("--hypervisor", "hyperv", "allowed: sim | vix | vmrun | libvirt")]
    [InlineData("--raft", "localhost", "allowed: IP:PORT")]
    [InlineData("--witness", "not a url", "Witness has 'not a url'")]
    public async Task BadValue_ExitsTwoNamingTheKey_AndCreatesNothing(string option, string value, string expected)
    {
        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Agent, Valid(option, value));
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("agent")));
    }

    [Theory]
    [InlineData("--witness-fingerprint", "AB:CD", "WitnessFingerprint is not a SHA-256 fingerprint")]
    [InlineData("--witness-fingerprint", "1AEDC348CDD97B256FD5567F9924BFF2319E2FBADCC266341189BA28763AA014", "the pin needs the appliance's https:// URL")]
    [InlineData("--join", "hawitness-join:v1:!!!", "join string: the join string is damaged")]
    [InlineData("--join", "abc", "join string: not a join string")]
    [InlineData("--join-token-file", "/nonexistent/token", "JoinTokenFile = '/nonexistent/token' cannot be read")]
    public async Task BadSecret_ExitsTwoWithOneLine_AndCreatesNothing(string option, string value, string expected)
    {
        string[] args = option == "--witness-fingerprint" ? Valid(option, value) : [.. Valid().Where((_, i) => i < 2 || i > 3), option, value];
        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Agent, args);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("agent")));
    }

    [Fact]
    public async Task TokenFile_AndATokenOnTheCommandLine_ExitsTwo_KeepOne()
    {
        string file = _dir.File("token");
        await File.WriteAllTextAsync(file, "0123456789abcdef0123\n");
        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Agent, [.. Valid(), "--join-token-file", file]);
        Assert.Equal(2, code);
        Assert.Contains("JoinToken and JoinTokenFile are both set", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenFromStdin_Starts()
    {
        using var agent = TestProcess.Start(Binaries.Agent, [.. Valid().Where((_, i) => i < 2 || i > 3), "--join-token-file", "-"]);
        await agent.StandardInput.WriteLineAsync("0123456789abcdef0123");
        await agent.StandardInput.FlushAsync();
        await agent.WaitForLineAsync(l => l.Contains("Agent host-a up", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        agent.Signal(Posix.SIGTERM);
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task UnknownOption_ExitsTwoWithUsage()
    {
        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Agent, [.. Valid(), "--colour", "blue"]);
        Assert.Equal(2, code);
        Assert.Contains("usage: hawitness-agent [options]", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ThenSigterm_ExitsZero()
    {
        using var agent = TestProcess.Start(Binaries.Agent, Valid());
        await agent.WaitForLineAsync(l => l.Contains("Agent host-a up", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        agent.Signal(Posix.SIGTERM);
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        // A loopback http witness is the demo's: no warning.
        Assert.DoesNotContain("INSECURE", agent.AllOutput, StringComparison.Ordinal);
    }
}
