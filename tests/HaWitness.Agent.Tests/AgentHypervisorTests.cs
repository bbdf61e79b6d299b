using HaWitness.TestSupport;

namespace HaWitness.Agent.Tests;

/// <summary>The agent builds its hypervisor driver at start and reports what it found.</summary>
public sealed class AgentHypervisorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_WithTheSimulation_LogsItsCapacity()
    {
        using var agent = TestProcess.Start(Binaries.Agent, Args("sim", "--sim-vms", "3"));

        string line = await agent.WaitForLineAsync(l => l.Contains("Hypervisor sim ready", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        Assert.Contains("16 CPUs, 65536 MiB", line, StringComparison.Ordinal);
        agent.Signal(Posix.SIGTERM);
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Start_WhenTheHypervisorIsUnavailable_ReportsItAndKeepsRunning()
    {
        // No VIX library at its default path on this machine: the driver cannot be built.
        using var agent = TestProcess.Start(Binaries.Agent, Args("vix"));

        string line = await agent.WaitForLineAsync(l => l.Contains("Hypervisor vix unavailable", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        Assert.Contains("LibraryMissing", line, StringComparison.Ordinal);
        await Task.Delay(300);
        Assert.False(agent.HasExited);
        agent.Signal(Posix.SIGTERM);
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(20)));
    }

    private string[] Args(string hypervisor, params string[] more) =>
    [
        "--witness", "http://127.0.0.1:8080", "--join-token", "0123456789abcdef0123", "--name", "host-a",
        "--hypervisor", hypervisor, "--data", _dir.File("agent"), "--raft", "127.0.0.1:7421", .. more,
    ];
}
