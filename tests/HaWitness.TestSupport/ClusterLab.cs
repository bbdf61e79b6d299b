using System.Text.Json;

namespace HaWitness.TestSupport;

/// <summary>
/// A real cluster on loopback: the appliance and sim agents as child processes with their own data
/// directories and free ports. Timings are shortened through the same environment variables an
/// operator would use, so tests run in seconds; the defaults are measured by the bench scripts.
/// </summary>
public sealed class ClusterLab : IAsyncDisposable
{
    private readonly TempDir _dir = new("hawitness-lab");
    private readonly Dictionary<string, TestProcess> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Raft, int Probe)> _agentPorts = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _raftPort;

    /// <summary>Fast timings for tests (heartbeat 300 ms, lease 2.5 s; generous probe timeout for a loaded CI machine).</summary>
    public static IReadOnlyDictionary<string, string> FastTimings { get; } = new Dictionary<string, string>
    {
        ["HAWITNESS_Lease__HeartbeatMs"] = "300",
        ["HAWITNESS_Lease__LeaseMs"] = "2500",
        ["HAWITNESS_Lease__HeartbeatTimeoutMs"] = "400",
        ["HAWITNESS_Lease__ProbeIntervalMs"] = "500",
        ["HAWITNESS_Lease__ProbeTimeoutMs"] = "1000",
        ["HAWITNESS_Lease__SuspectAfterMs"] = "800",
        ["HAWITNESS_Lease__MarginMs"] = "100",
    };

    public TestProcess? Appliance { get; private set; }

    public Uri? Url { get; private set; }

    public string Token { get; private set; } = string.Empty;

    public string Dir => _dir.Path;

    public int RaftPort => _raftPort;

    public string ApplianceData => _dir.File("appliance");

    public IReadOnlyDictionary<string, TestProcess> Agents => _agents;

    public static int FreePort() => HaWitness.TestSupport.FreePort.Tcp();

    public async Task StartApplianceAsync(IReadOnlyDictionary<string, string>? env = null, params string[] extra)
    {
        if (_raftPort == 0)
        {
            _raftPort = FreePort();
        }

        var e = new Dictionary<string, string>(env ?? FastTimings);
        Appliance = TestProcess.Start(Binaries.Appliance,
            ["serve", "--data", ApplianceData, "--urls", Url is null ? "http://127.0.0.1:0" : Url.ToString().TrimEnd('/'), "--raft", $"127.0.0.1:{_raftPort}", .. extra], e);
        Url = await Appliance.WaitForListeningAsync();
        var (code, stdout, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["join-token", "--data", ApplianceData]);
        if (code != 0)
        {
            throw new InvalidOperationException("join-token failed: " + stderr);
        }

        Token = stdout.Trim();
    }

    /// <summary>
    /// Starts the appliance again on the same data directory, URL and Raft port (after
    /// <see cref="KillApplianceAsync"/>), without reading the join token again; returns once it listens.
    /// </summary>
    public async Task RestartApplianceAsync(IReadOnlyDictionary<string, string>? env = null)
    {
        if (Url is null || _raftPort == 0)
        {
            throw new InvalidOperationException("start the appliance first");
        }

        Appliance = TestProcess.Start(Binaries.Appliance,
            ["serve", "--data", ApplianceData, "--urls", Url.ToString().TrimEnd('/'), "--raft", $"127.0.0.1:{_raftPort}"], new Dictionary<string, string>(env ?? FastTimings));
        await Appliance.WaitForListeningAsync();
    }

    /// <summary>Sends <paramref name="signal"/> to the appliance (by its PID) and waits for it to exit.</summary>
    public async Task<int> KillApplianceAsync(int signal)
    {
        var a = Appliance ?? throw new InvalidOperationException("the appliance is not running");
        a.Signal(signal);
        int code = await a.WaitForExitAsync(TimeSpan.FromSeconds(20));
        a.Dispose();
        Appliance = null;
        return code;
    }

    public async Task StopApplianceAsync()
    {
        if (Appliance is { } a)
        {
            a.Signal(Posix.SIGTERM);
            await a.WaitForExitAsync(TimeSpan.FromSeconds(20));
            a.Dispose();
            Appliance = null;
        }
    }

    public TestProcess StartAgent(string name, int simVms = 2, IReadOnlyDictionary<string, string>? env = null, params string[] extra)
        => StartAgentCore(name, simVms, env, extra);

    private TestProcess StartAgentCore(string name, int simVms, IReadOnlyDictionary<string, string>? env, string[] extra)
    {
        if (!_agentPorts.TryGetValue(name, out var ports))
        {
            ports = (FreePort(), FreePort());
            _agentPorts[name] = ports;
        }

        var e = new Dictionary<string, string>(env ?? new Dictionary<string, string>())
        {
            ["HAWITNESS_AGENT_PowerOffBoundMs"] = "1000",
        };
        var p = TestProcess.Start(Binaries.Agent,
        [
            "--witness", Url!.ToString().TrimEnd('/'), "--join-token", Token, "--name", name, "--hypervisor", "sim",
            "--sim-vms", simVms.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data", _dir.File("agent-" + name), "--raft", $"127.0.0.1:{ports.Raft}", "--probe", $"127.0.0.1:{ports.Probe}",
            .. extra,
        ], e);
        _agents[name] = p;
        return p;
    }

    public async Task<JsonElement> StatusAsync()
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri(Url!, "/api/v1/status")));
        return doc.RootElement.Clone();
    }

    public async Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(45);
        var waited = System.Diagnostics.Stopwatch.StartNew(); // monotonic: the wall-clock lab tests step the clock
        JsonElement last = default;
        while (waited.Elapsed < limit)
        {
            try
            {
                last = await StatusAsync();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"never: {what}; last status: {last}\nappliance output:\n{Appliance?.AllOutput}");
    }

    /// <summary>
    /// The cluster formed and quiet: a leader with quorum, every one of <paramref name="hosts"/>
    /// online as a voter, and <paramref name="vmsPerHost"/> VMs per host, all running.
    /// </summary>
    public static bool Settled(JsonElement s, IReadOnlyCollection<string> hosts, int vmsPerHost = 2) =>
        s.GetProperty("leader").ValueKind == JsonValueKind.String
        && s.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean()
        && hosts.All(h => Host(s, h) is { } e && e.GetProperty("state").GetString() == "online" && e.GetProperty("voter").GetBoolean())
        && s.GetProperty("vms").GetArrayLength() == vmsPerHost * hosts.Count
        && s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running");

    /// <summary>The first admin password, as the appliance prints it once at its first start.</summary>
    public async Task<string> AdminPasswordAsync()
    {
        string line = await Appliance!.WaitForLineAsync(l => l.StartsWith("hawitness: admin password", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        return line[(line.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].Trim();
    }

    public static JsonElement? Host(JsonElement status, string name) =>
        status.GetProperty("hosts").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(h => h!.Value.GetProperty("name").GetString() == name);

    public async Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        await _http.PostAsync(new Uri(Url!, path), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public async ValueTask DisposeAsync()
    {
        foreach (var a in _agents.Values)
        {
            a.Dispose();
        }

        try
        {
            if (Appliance is not null)
            {
                await StopApplianceAsync();
            }
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            // It hung (killed by Dispose) or had already exited (kill: no such process): a test
            // that failed early must still clean up everything else it started.
            Appliance?.Dispose();
            Appliance = null;
        }
        finally
        {
            _http.Dispose();
            _dir.Dispose();
        }
    }
}
