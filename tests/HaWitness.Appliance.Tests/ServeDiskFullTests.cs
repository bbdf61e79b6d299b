using System.Net;
using System.Text;
using HaWitness.TestSupport;
using Xunit.Abstractions;

namespace HaWitness.Appliance.Tests;

/// <summary>
/// The real appliance with its data directory on a real small tmpfs that fills up: it must say
/// so on <c>/healthz</c>, stop cleanly, and refuse a restart with one clear line.
/// </summary>
public sealed class ServeDiskFullTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    private static string FreeRaft() => $"127.0.0.1:{ClusterLab.FreePort()}";

    [Fact]
    public async Task DiskFills_HealthzAnswers503WithTheReason_SigtermIsClean_AndARestartExitsOneWithOneLine()
    {
        using var disk = SmallDisk.TryMount(64L * 1024 * 1024, out string why);
        if (disk is null)
        {
            output.WriteLine("skipped: " + why);
            return;
        }

        string data = disk.File("data");
        using var app = TestProcess.Start(Binaries.Appliance, ["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--raft", FreeRaft()]);
        Uri url = await app.WaitForListeningAsync();
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(url, "/healthz"))).StatusCode);

        disk.Fill();
        // A refused join is journaled: on a full disk that write fails.
        for (int i = 0; i < 20; i++)
        {
            using var join = await _http.PostAsync(new Uri(url, "/api/v1/agents/join"),
                new StringContent("""{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","name":"x"}""", Encoding.UTF8, "application/json"));
            output.WriteLine($"join {i}: {(int)join.StatusCode}");
            if ((await _http.GetAsync(new Uri(url, "/healthz"))).StatusCode != HttpStatusCode.OK)
            {
                break;
            }
        }

        var health = await _http.GetAsync(new Uri(url, "/healthz"));
        string body = await health.Content.ReadAsStringAsync();
        output.WriteLine($"/healthz {(int)health.StatusCode}: {body}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal($"journal: the disk holding {data} is full\n", body);
        using (var status = System.Text.Json.JsonDocument.Parse(await _http.GetStringAsync(new Uri(url, "/api/v1/status"))))
        {
            Assert.Contains("is full", status.RootElement.GetProperty("journal").GetProperty("fault").GetString(), StringComparison.Ordinal);
        }

        // Space again: the journal's probe clears the fault within its interval (1 s), no decision needed.
        File.Delete(disk.File("filler"));
        var healthy = DateTime.UtcNow.AddSeconds(10);
        while ((await _http.GetAsync(new Uri(url, "/healthz"))).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < healthy)
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(url, "/healthz"))).StatusCode);
        using (var status = System.Text.Json.JsonDocument.Parse(await _http.GetStringAsync(new Uri(url, "/api/v1/status"))))
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, status.RootElement.GetProperty("journal").GetProperty("fault").ValueKind);
        }

        // Full again, and stopped on the full disk.
        disk.Fill();
        app.Signal(Posix.SIGTERM);
        Assert.Equal(0, await app.WaitForExitAsync(Exit));

        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--raft", FreeRaft()], Exit);
        output.WriteLine($"restart: exit {code}: {stderr}");
        Assert.Equal(1, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.StartsWith("hawitness: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"hawitness: journal: the disk holding {data}", StringComparison.Ordinal) && l.Contains("is full", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadOnlyDataDirectory_ExitsOneSayingSo_NotInUse()
    {
        using var disk = SmallDisk.TryMount(64L * 1024 * 1024, out string why);
        if (disk is null)
        {
            output.WriteLine("skipped: " + why);
            return;
        }

        string data = disk.File("data");
        using (var app = TestProcess.Start(Binaries.Appliance, ["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--raft", FreeRaft()]))
        {
            await app.WaitForListeningAsync();
            app.Signal(Posix.SIGTERM);
            Assert.Equal(0, await app.WaitForExitAsync(Exit));
        }

        disk.Remount(readOnly: true);
        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--raft", FreeRaft()], Exit);
        disk.Remount(readOnly: false);

        output.WriteLine($"exit {code}: {stderr}");
        Assert.Equal(1, code);
        Assert.Equal($"hawitness: data directory {data} is on a read-only file system; HaWitness writes its journal there: remount it read-write or choose another --data directory", stderr.Trim());
    }
}
