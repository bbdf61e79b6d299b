using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;

namespace HaWitness.Appliance.Tests;

/// <summary>The appliance as an operator runs it: a real process, real Kestrel, real SQLite file.</summary>
public sealed class ServeTests : IDisposable
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(20);
    private readonly TempDir _dir = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    private static string FreeRaft() => $"127.0.0.1:{ClusterLab.FreePort()}";

    private TestProcess Serve(string data, params string[] extra) =>
        TestProcess.Start(Binaries.Appliance, ["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--raft", FreeRaft(), .. extra]);

    [Fact]
    public async Task Serve_AnswersHealthAndStatus_ThenSigtermExitsZero_AndJournalsBoth()
    {
        string data = _dir.File("data");
        using var app = Serve(data);
        Uri url = await app.WaitForListeningAsync();

        var health = await _http.GetAsync(new Uri(url, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var status = JsonDocument.Parse(await _http.GetStringAsync(new Uri(url, "/api/v1/status")));
        var root = status.RootElement;
        Assert.Equal(JsonValueKind.Array, root.GetProperty("hosts").ValueKind);
        Assert.Equal(0, root.GetProperty("hosts").GetArrayLength());
        // Alone, the witness is the whole voter set: it leads, and says there are no hosts yet.
        Assert.Equal(1, root.GetProperty("quorum").GetProperty("voters").GetInt32());
        Assert.True(root.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean());
        Assert.Contains("only the witness", root.GetProperty("quorum").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, root.GetProperty("leader").ValueKind);

        app.Signal(Posix.SIGTERM);
        Assert.Equal(0, await app.WaitForExitAsync(Exit));

        using var journal = JournalStore.Open(Path.Combine(data, JournalStore.FileName));
        var kinds = journal.Events().Select(e => e.Kind).ToList();
        Assert.Equal("ApplianceStopped", kinds[0]);
        Assert.Contains("ApplianceStarted", kinds);
    }

    [Fact]
    public async Task Serve_Twice_OnOneDataDirectory_SecondIsRefusedAndFirstKeepsServing()
    {
        string data = _dir.File("data");
        using var first = Serve(data);
        Uri url = await first.WaitForListeningAsync();

        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--raft", FreeRaft()]);

        Assert.Equal(1, code);
        Assert.Contains("in use by another HaWitness process", stderr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(url, "/healthz"))).StatusCode);
    }

    [Fact]
    public async Task Serve_OnAForeignFile_ExitsOneWithOneLine_AndLeavesTheFile()
    {
        string data = _dir.File("data");
        Directory.CreateDirectory(data);
        string db = Path.Combine(data, JournalStore.FileName);
        byte[] foreign = "this is somebody's spreadsheet, not a journal............"u8.ToArray();
        File.WriteAllBytes(db, foreign);

        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["serve", "--data", data, "--urls", "http://127.0.0.1:0", "--raft", FreeRaft()]);

        Assert.Equal(1, code);
        Assert.Contains("not a SQLite database", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("hawitness: ", StringComparison.Ordinal));
        Assert.Equal(foreign, File.ReadAllBytes(db));
    }

    [Fact]
    public async Task Serve_PortInUse_ExitsOneSayingSo()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["serve", "--data", _dir.File("d"), "--urls", $"http://127.0.0.1:{port}", "--raft", FreeRaft()]);

        Assert.Equal(1, code);
        Assert.Contains("cannot listen on", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "ShutdownTimeoutMs": 1 }""", "ShutdownTimeoutMs = 1 is out of range")]
    [InlineData("""{ "Urls": 8080 }""", "Urls has '8080'")]
    [InlineData("""{ "Leases": { "DurationMs": 5000 } }""", "unknown key 'Leases'")]
    [InlineData("""{ "Lease": { "DurationMs": 5000 } }""", "unknown key 'DurationMs' (in LeaseOptions)")]
    [InlineData("""{ "Lease": { "LeaseMs": 1000 } }""", "Lease:LeaseMs = 1000 is too short")]
    [InlineData("""{ "Urls": """, "invalid JSON")]
    public async Task Serve_BadConfig_ExitsTwoWithOneLineNamingTheKey(string json, string expected)
    {
        string config = _dir.File("appliance.json");
        await File.WriteAllTextAsync(config, json);

        var (code, stdout, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["serve", "--config", config, "--data", _dir.File("d")]);

        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(_dir.File("d")), "nothing is created when the config is bad");
    }

    [Fact]
    public async Task Serve_EnvironmentVariable_OverridesTheFile()
    {
        string config = _dir.File("appliance.json");
        await File.WriteAllTextAsync(config, """{ "Urls": "http://127.0.0.1:1" }""");
        using var app = TestProcess.Start(Binaries.Appliance, ["serve", "--config", config, "--data", _dir.File("d"), "--raft", FreeRaft()],
            new Dictionary<string, string> { ["HAWITNESS_Urls"] = "http://127.0.0.1:0" });

        Uri url = await app.WaitForListeningAsync();
        Assert.NotEqual(1, url.Port);
    }

    [Theory]
    [InlineData(new[] { "serve", "--bogus" }, "Unrecognized command or argument '--bogus'")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    public async Task UnknownOption_ExitsTwoWithAUsageLine(string[] args, string expected)
    {
        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, args);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Contains("usage: hawitness", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsTheCommands()
    {
        var (code, stdout, _) = await TestProcess.RunAsync(Binaries.Appliance, ["--help"]);
        Assert.Equal(0, code);
        Assert.Contains("serve", stdout, StringComparison.Ordinal);
        Assert.Contains("db", stdout, StringComparison.Ordinal);
    }
}
