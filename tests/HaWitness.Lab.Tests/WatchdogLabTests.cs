using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests;

/// <summary>
/// The real agent process with a test watchdog device (a plain file: this kernel has no softdog;
/// the image's QEMU test boots a real one): it pets while it runs, a killed agent pets no more and
/// leaves the watchdog armed (a real one resets the host), a clean stop disarms it.
/// </summary>
public sealed class WatchdogLabTests : IAsyncLifetime
{
    private readonly ClusterLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static async Task<long> GrowsAsync(string file, long beyond)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (new FileInfo(file).Length <= beyond)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{file} stayed at {new FileInfo(file).Length} bytes");
            await Task.Delay(100);
        }

        return new FileInfo(file).Length;
    }

    [Fact]
    public async Task Agent_PetsItsWatchdog_AKilledAgentStopsAndLeavesItArmed_ACleanStopDisarms()
    {
        await _lab.StartApplianceAsync();
        string killedDevice = Path.Combine(_lab.Dir, "watchdog-a");
        string stoppedDevice = Path.Combine(_lab.Dir, "watchdog-b");
        File.WriteAllBytes(killedDevice, []);
        File.WriteAllBytes(stoppedDevice, []);
        var env = new Dictionary<string, string> { ["HAWITNESS_AGENT_WatchdogTimeoutMs"] = "2000" };
        var a = _lab.StartAgent("host-a", env: env, extra: ["--watchdog", killedDevice]);
        var b = _lab.StartAgent("host-b", env: env, extra: ["--watchdog", stoppedDevice]);
        await _lab.WaitForStatusAsync(s => ClusterLab.Host(s, "host-a") is { } x && x.GetProperty("state").GetString() == "online"
            && ClusterLab.Host(s, "host-b") is { } y && y.GetProperty("state").GetString() == "online", "both hosts online");

        // Petted every timeout/4 = 500 ms while the lease holds.
        long petted = await GrowsAsync(killedDevice, 3);
        Assert.Contains("Watchdog", a.AllOutput, StringComparison.Ordinal);

        a.Signal(Posix.SIGKILL);
        await a.WaitForExitAsync(TimeSpan.FromSeconds(10));
        long atDeath = new FileInfo(killedDevice).Length;
        await Task.Delay(1500);
        var bytes = File.ReadAllBytes(killedDevice);
        Assert.Equal(atDeath, bytes.Length); // nobody pets a dead agent's watchdog
        Assert.DoesNotContain((byte)'V', bytes); // and it was not disarmed: a real one resets the host
        Assert.True(petted >= 4);

        await GrowsAsync(stoppedDevice, 3);
        b.Signal(Posix.SIGTERM);
        Assert.Equal(0, await b.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal((byte)'V', File.ReadAllBytes(stoppedDevice)[^1]); // clean stop: magic close
    }

    [Fact]
    public async Task Agent_WithAWatchdogItCannotOpen_ExitsWithOneClearLine()
    {
        await _lab.StartApplianceAsync();
        var a = _lab.StartAgent("host-a", extra: ["--watchdog", Path.Combine(_lab.Dir, "no-such-watchdog")]);
        Assert.Equal(1, await a.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("watchdog", a.AllOutput, StringComparison.Ordinal);
        Assert.Contains("--watchdog none", a.AllOutput, StringComparison.Ordinal);
    }
}
