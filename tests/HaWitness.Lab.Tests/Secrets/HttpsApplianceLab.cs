using System.Globalization;
using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests.Secrets;

/// <summary>
/// An appliance bound to every address over HTTPS (its self-signed certificate), reached by the
/// tests and agents on 127.0.0.1 only; sim agents started with whatever secrets a test gives them.
/// </summary>
internal sealed class HttpsApplianceLab : IDisposable
{
    private readonly TempDir _dir = new("hawitness-secrets");
    private readonly List<TestProcess> _processes = [];

    public int HttpPort { get; } = ClusterLab.FreePort();

    public int RaftPort { get; } = ClusterLab.FreePort();

    public string Data => _dir.File("appliance");

    public string Url => $"https://127.0.0.1:{HttpPort}";

    public TestProcess? Appliance { get; private set; }

    public string Token { get; private set; } = string.Empty;

    public string Fingerprint { get; private set; } = string.Empty;

    public string JoinString { get; private set; } = string.Empty;

    public string File(string name) => _dir.File(name);

    public async Task StartAsync()
    {
        Appliance = Track(TestProcess.Start(Binaries.Appliance,
            ["serve", "--data", Data, "--urls", $"https://0.0.0.0:{HttpPort}", "--raft", $"127.0.0.1:{RaftPort}"],
            new Dictionary<string, string>(ClusterLab.FastTimings)));
        await Appliance.WaitForListeningAsync();
        await ReadJoinTokenAsync();
    }

    /// <summary>Runs <c>hawitness join-token</c> (with <paramref name="extra"/>) and keeps what it printed.</summary>
    public async Task<(string StdOut, string StdErr)> ReadJoinTokenAsync(params string[] extra)
    {
        var (code, stdout, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["join-token", "--data", Data, "--url", Url, .. extra]);
        Assert.True(code == 0, $"join-token exited {code}: {stderr}");
        Token = stdout.Trim();
        Fingerprint = Line(stderr, "appliance certificate SHA-256: ");
        JoinString = stderr.Split('\n').Single(l => l.StartsWith("hawitness-join:v1:", StringComparison.Ordinal)).Trim();
        return (stdout, stderr);
    }

    /// <summary>A sim agent on loopback ports with <paramref name="secrets"/> (witness, token, pin as the test chooses).</summary>
    public TestProcess StartAgent(string name, params string[] secrets) =>
        Track(TestProcess.Start(Binaries.Agent,
        [
            .. secrets, "--name", name, "--hypervisor", "sim", "--sim-vms", "1", "--data", _dir.File("agent-" + name),
            "--raft", $"127.0.0.1:{ClusterLab.FreePort()}", "--probe", $"127.0.0.1:{ClusterLab.FreePort()}",
        ], new Dictionary<string, string> { ["HAWITNESS_AGENT_PowerOffBoundMs"] = "1000" }));

    public List<(string Kind, string Subject, string Outcome, string Evidence)> Joins() =>
        [.. JournalReader.Decisions(Data).Where(d => d.Kind == "AgentJoin")];

    /// <summary>Waits until the journal has an AgentJoin row about <paramref name="name"/> and returns it.</summary>
    public async Task<(string Kind, string Subject, string Outcome, string Evidence)> WaitForJoinRowAsync(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var row = Joins().FirstOrDefault(d => d.Subject.EndsWith(":" + name, StringComparison.Ordinal));
            if (row.Kind is not null)
            {
                return row;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no AgentJoin row for {name}; appliance output:\n{Appliance?.AllOutput}");
            await Task.Delay(100);
        }
    }

    public static string WrongFingerprint(string fingerprint) =>
        (fingerprint[0] == 'A' ? "B" : "A") + fingerprint[1..];

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }

        _dir.Dispose();
    }

    private static string Line(string text, string prefix) =>
        text.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..];

    private TestProcess Track(TestProcess p)
    {
        _processes.Add(p);
        return p;
    }

    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
