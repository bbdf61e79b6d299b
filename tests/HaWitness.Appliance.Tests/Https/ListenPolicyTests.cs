using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaWitness.TestSupport;

namespace HaWitness.Appliance.Tests.Https;

/// <summary>
/// Plain HTTP only on loopback unless the operator says otherwise. The appliance binds every
/// address where a test needs it, and the tests connect to 127.0.0.1 only.
/// </summary>
public sealed class ListenPolicyTests : IDisposable
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string FreeRaft() => $"127.0.0.1:{ClusterLab.FreePort()}";

    [Theory]
    [InlineData("http://0.0.0.0:{0}", "'https://0.0.0.0:{0}'")]
    [InlineData("http://[::]:{0}", "'https://[::]:{0}'")]
    [InlineData("http://127.0.0.1:{1};http://*:{0}", "'https://*:{0}'")]
    public async Task Serve_PlainHttpOffLoopback_WithoutTheOption_ExitsTwoNamingTheFix_AndTouchesNothing(string urls, string fix)
    {
        int port = ClusterLab.FreePort();
        int other = ClusterLab.FreePort();
        string data = _dir.File("data");

        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance,
            ["serve", "--data", data, "--urls", string.Format(null, urls, port, other), "--raft", FreeRaft()], Exit);

        Assert.Equal(2, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(string.Format(null, fix, port), line, StringComparison.Ordinal);
        Assert.Contains("Http:AllowPlainHttp=true (serve --insecure-http)", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task Serve_HttpsOnEveryAddress_ServesItsSelfSignedCertificate_WhoseFingerprintJoinTokenPrints()
    {
        int port = ClusterLab.FreePort();
        string data = _dir.File("data");
        using var app = TestProcess.Start(Binaries.Appliance, ["serve", "--data", data, "--urls", $"https://0.0.0.0:{port}", "--raft", FreeRaft()]);
        await app.WaitForListeningAsync();
        string? seen = null;
        using var http = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen = Convert.ToHexString(cert!.GetCertHash(HashAlgorithmName.SHA256));
                return true;
            },
        });

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"https://127.0.0.1:{port}/healthz"))).StatusCode);

        using var onDisk = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(data, "https", "cert.pem")));
        Assert.Equal(Convert.ToHexString(onDisk.GetCertHash(HashAlgorithmName.SHA256)), seen);
        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["join-token", "--data", data, "--url", $"https://127.0.0.1:{port}"]);
        Assert.Equal(0, code);
        Assert.Contains("appliance certificate SHA-256: " + string.Join(':', seen!.Chunk(2).Select(c => new string(c))), stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(app.StdOut.Concat(app.StdErr), l => l.Contains("INSECURE", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--insecure-http")]
    [InlineData("HAWITNESS_Http__AllowPlainHttp=true")]
    public async Task Serve_PlainHttpOffLoopback_WhenAllowed_WarnsInTheLogAndOnThePage(string how)
    {
        int port = ClusterLab.FreePort();
        var env = new Dictionary<string, string>();
        string[] extra = [];
        if (how.StartsWith("--", StringComparison.Ordinal))
        {
            extra = [how];
        }
        else
        {
            env[how.Split('=')[0]] = how.Split('=')[1];
        }

        using var app = TestProcess.Start(Binaries.Appliance,
            ["serve", "--data", _dir.File("data"), "--urls", $"http://0.0.0.0:{port}", "--raft", FreeRaft(), .. extra], env);
        await app.WaitForListeningAsync();

        string warning = await app.WaitForLineAsync(l => l.Contains("INSECURE: plain HTTP off loopback", StringComparison.Ordinal), Exit);
        Assert.Contains($"http://0.0.0.0:{port}", warning, StringComparison.Ordinal);
        using var http = new HttpClient();
        string page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"));
        Assert.Contains("<div id=\"insecure\" class=\"verdict bad\">INSECURE: plain HTTP off loopback", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_OnLoopback_StaysPlainHttp_WithoutAWarning()
    {
        using var app = TestProcess.Start(Binaries.Appliance, ["serve", "--data", _dir.File("data"), "--urls", "http://127.0.0.1:0", "--raft", FreeRaft()]);
        Uri url = await app.WaitForListeningAsync();
        await app.WaitForLineAsync(l => l.Contains("HaWitness ", StringComparison.Ordinal) && l.Contains(" up on ", StringComparison.Ordinal), Exit);

        using var http = new HttpClient();
        string page = await http.GetStringAsync(url);
        Assert.DoesNotContain("id=\"insecure\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain(app.StdOut.Concat(app.StdErr), l => l.Contains("INSECURE", StringComparison.Ordinal));
    }
}
