using System.Diagnostics;
using HaWitness.TestSupport;
using Microsoft.Data.Sqlite;

namespace HaWitness.Lab.Tests;

/// <summary>
/// The appliance's wall clock is stepped (libfaketime on the real process: its wall clock moves,
/// its monotonic clock does not) by -1 h and then +1 h while two agents run: nobody is suspected
/// or failed, and a real failure afterwards is still detected on time.
/// </summary>
public sealed class WallClockStepLabTests : IAsyncLifetime
{
    private const string FakeTime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    private readonly ClusterLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private static bool Online(System.Text.Json.JsonElement s, string host) =>
        ClusterLab.Host(s, host) is { } h && h.GetProperty("state").GetString() == "online" && h.GetProperty("voter").GetBoolean();

    private long NewestDecisionMs()
    {
        SQLitePCL.Batteries_V2.Init();
        using var c = new SqliteConnection($"Data Source={Path.Combine(_lab.ApplianceData, "journal.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT max(time_ms) FROM decisions";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ApplianceWallClockStepped_ByMinusAndPlusAnHour_NobodyIsSuspected_AndAFailureIsStillDetectedOnTime()
    {
        Assert.True(File.Exists(FakeTime), "libfaketime is missing: scripts/deps.sh test installs the faketime package");
        string offset = Path.Combine(_lab.Dir, "faketime");
        await File.WriteAllTextAsync(offset, "+0");
        var env = new Dictionary<string, string>(ClusterLab.FastTimings)
        {
            ["LD_PRELOAD"] = FakeTime,
            ["FAKETIME_TIMESTAMP_FILE"] = offset,
            ["FAKETIME_NO_CACHE"] = "1",
            ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        };
        await _lab.StartApplianceAsync(env);
        _lab.StartAgent("host-a");
        _lab.StartAgent("host-b");
        await _lab.WaitForStatusAsync(s => Online(s, "host-a") && Online(s, "host-b") && s.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean(), "both hosts online");
        int before = JournalReader.Decisions(_lab.ApplianceData).Count;

        foreach (string step in new[] { "-3600", "+3600" })
        {
            await File.WriteAllTextAsync(offset, step);
            await Task.Delay(4000); // more than a lease (2.5 s) and the failed-after bound
            var s = await _lab.StatusAsync();
            Assert.True(Online(s, "host-a") && Online(s, "host-b"), $"after a {step} s step: {s}");
        }

        _lab.Agents["host-a"].Signal(Posix.SIGKILL);
        var killed = Stopwatch.StartNew();
        await _lab.WaitForStatusAsync(s => ClusterLab.Host(s, "host-a")!.Value.GetProperty("state").GetString() is "failed" or "fenced", "host-a failed");
        var detected = killed.Elapsed;

        var rows = JournalReader.Decisions(_lab.ApplianceData);
        Assert.Equal("host:host-a", Assert.Single(rows, d => d.Kind == "HostFailed").Subject);
        Assert.DoesNotContain(rows.Skip(before), d => d.Kind == "HostSuspected" && d.Subject == "host:host-b");
        // The appliance did see its wall clock an hour ahead (its newest rows say so).
        Assert.True(NewestDecisionMs() > DateTimeOffset.UtcNow.AddMinutes(50).ToUnixTimeMilliseconds(), "the appliance's wall clock was not stepped");
        // Failed-after with the fast timings is about 3.7 s of silence; allow for a loaded machine.
        Assert.True(detected < TimeSpan.FromSeconds(20), $"host-a declared failed {detected.TotalSeconds:F1} s after its death");
        Assert.DoesNotContain("SELF-FENCED", _lab.Agents["host-b"].AllOutput, StringComparison.Ordinal);
    }
}
