using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;

namespace HaWitness.Appliance.Tests.Operator;

/// <summary>
/// Attacks on a real appliance process over real loopback sockets: each asserts that the attack
/// is refused before it costs anything (memory, disk, the right password). Sources other than
/// 127.0.0.1 are other loopback addresses the client binds to. No timing is asserted.
/// </summary>
public sealed class RequestLimitsTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<TestProcess> _running = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var p in _running)
        {
            p.Dispose();
        }

        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task UnauthenticatedHeartbeats_Of16MiB_AreRefusedBeforeTheBodyIsRead_AndMemoryStaysBounded()
    {
        var (url, _, app) = await ServeAsync();
        using (var warm = new HttpClient())
        {
            await warm.GetStringAsync(new Uri(url, "/api/v1/status"));
        }

        long before = RssKiB(app.Pid);

        // The answer comes while not one byte of the announced 16 MiB was sent: it was not waited for.
        Assert.StartsWith("HTTP/1.1 401", await HeadersOnlyAsync(url, 16 << 20), StringComparison.Ordinal);

        // Twelve clients push 16 MiB each at once (the attack that took the old appliance to 776 MB).
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PushAsync(url, 16 << 20)));
        long after = RssKiB(app.Pid);

        Assert.All(answers, a => Assert.True(a.StartsWith("HTTP/1.1 401", StringComparison.Ordinal) || a == "closed", a));
        Assert.True(after - before < 64 * 1024, $"RSS grew from {before} KiB to {after} KiB");
        Assert.False(app.HasExited);
    }

    [Fact]
    public async Task FormAndTextBodies_OnMutatingApiRoutes_Are415_EvenWithTheRightPassword()
    {
        var (url, password, _) = await ServeAsync();
        using var http = new HttpClient();

        var bodies = new Func<HttpContent>[]
        {
            () => new FormUrlEncodedContent(new Dictionary<string, string> { ["enter"] = "true" }),
            () => new StringContent("enter=true", Encoding.UTF8, "text/plain"),
            () => new StringContent("{\"enter\":true}", Encoding.UTF8, "application/jsonp"),
            () => new ByteArrayContent("{\"enter\":true}"u8.ToArray()),
        };
        foreach (var body in bodies)
        {
            foreach (string path in new[] { "/api/v1/maintenance/host-a/enter", "/api/v1/hosts/host-a/maintenance", "/api/v1/vms/vm-1/ha/off" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, path)) { Content = body() };
                request.Headers.Authorization = Basic(password);
                var response = await http.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{path} {request.Content.Headers.ContentType}: {(int)response.StatusCode}");
                Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single()); // refusals carry the security headers too
            }
        }

        // JSON, and no body at all on a path-style route, still reach the endpoint (404: no such host).
        using var json = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/api/v1/hosts/host-a/maintenance")) { Content = new StringContent("{\"enter\":true}", Encoding.UTF8, "application/json") };
        json.Headers.Authorization = Basic(password);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(json)).StatusCode);
        using var empty = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/api/v1/maintenance/host-a/enter"));
        empty.Headers.Authorization = Basic(password);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(empty)).StatusCode);
    }

    [Fact]
    public async Task CrossSiteRequests_Are403_BeforeTheCredentialIsChecked_AndChangeNothing()
    {
        var (url, password, _) = await ServeAsync();
        using var http = new HttpClient();
        var attempts = new (string Header, string Value)[]
        {
            ("Origin", "http://evil.example"),
            ("Origin", "null"),
            ("Origin", $"http://{url.Host}:{url.Port + 1}"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Site", "same-site"),
        };
        foreach (var (header, value) in attempts)
        {
            foreach (string path in new[] { "/api/v1/maintenance/host-a/enter", "/api/v1/hosts/host-a/maintenance", "/hosts/host-a/maintenance", "/login" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, path)) { Content = new StringContent("{\"enter\":true}", Encoding.UTF8, "application/json") };
                request.Headers.Authorization = Basic(password);
                request.Headers.TryAddWithoutValidation(header, value);
                var response = await http.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path} with {header}: {value}: {(int)response.StatusCode}");
                Assert.Contains("cross_site", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.True(response.Headers.Contains("Content-Security-Policy") || response.Content.Headers.Contains("Content-Security-Policy"), "no CSP on the 403");
            }
        }

        using (var journal = JsonDocument.Parse(await http.GetStringAsync(new Uri(url, "/api/v1/journal?kind=Maintenance"))))
        {
            Assert.Empty(journal.RootElement.GetProperty("decisions").EnumerateArray()); // no request reached an operation
        }

        // Same origin passes (404: no such host, journaled as a refused maintenance request).
        using var same = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/api/v1/hosts/host-a/maintenance")) { Content = new StringContent("{\"enter\":true}", Encoding.UTF8, "application/json") };
        same.Headers.Authorization = Basic(password);
        same.Headers.TryAddWithoutValidation("Origin", $"http://{url.Authority}");
        same.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(same)).StatusCode);
        Assert.Contains("hawitness_login_failures_total 0\n", await http.GetStringAsync(new Uri(url, "/metrics")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongLoginBurst_FromOneSource_DoesNotLockOutTheRightPassword_FromAnother_NorLater()
    {
        var (url, password, _) = await ServeAsync();
        using var attacker = From("127.0.0.2");
        using var operatorClient = From("127.0.0.1");

        var burst = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var request = Post(url, "/api/v1/hosts/host-a/maintenance");
            request.Headers.Authorization = Basic("wrong-" + i.ToString(CultureInfo.InvariantCulture));
            var response = await attacker.SendAsync(request);
            return ((int)response.StatusCode, response.Headers.RetryAfter?.Delta ?? TimeSpan.Zero);
        }));
        Assert.All(burst, b => Assert.Contains(b.Item1, new[] { 401, 429, 503 }));

        // Another source, during the attacker's lockout: the right password works.
        using (var right = Post(url, "/api/v1/hosts/host-a/maintenance"))
        {
            right.Headers.Authorization = Basic(password);
            Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.SendAsync(right)).StatusCode);
        }

        // The attacker's own address, once its (short) lockout is over: the right password works too.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var later = Post(url, "/api/v1/hosts/host-a/maintenance");
            later.Headers.Authorization = Basic(password);
            var response = await attacker.SendAsync(later);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                break;
            }

            Assert.True(response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline,
                $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }

        // 50 wrong passwords did not write 50 rows: the first at once, the rest are counted.
        using var journal = JsonDocument.Parse(await operatorClient.GetStringAsync(new Uri(url, "/api/v1/journal?kind=AdminLogin")));
        var refused = journal.RootElement.GetProperty("decisions").EnumerateArray().Where(d => d.GetProperty("outcome").GetString() == "Refused").ToList();
        Assert.InRange(refused.Count, 1, 2);
    }

    [Fact]
    public async Task RouteSpellings_ThatRoutingAccepts_MeetTheSameLimitsAndChecks()
    {
        var (url, password, _) = await ServeAsync();
        using var http = From("127.0.0.7");
        int attempts = 0;
        while ((await http.PostAsync(new Uri(url, "/api/v1/agents/join"), WrongToken())).StatusCode == HttpStatusCode.Unauthorized)
        {
            Assert.True(++attempts < 60, "no rate limit");
        }

        // Routing ignores case and a trailing slash; the limit in front of it must as well.
        foreach (string spelling in new[] { "/API/v1/Agents/Join", "/api/v1/agents/join/" })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, (await http.PostAsync(new Uri(url, spelling), WrongToken())).StatusCode);
        }

        using var form = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/API/v1/hosts/host-a/maintenance"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["enter"] = "true" }),
        };
        form.Headers.Authorization = Basic(password);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http.SendAsync(form)).StatusCode);
    }

    [Fact]
    public async Task RefusedJoins_WriteOneRowPerSourceAndWindow_WithTheCount_AndAreRateLimitedPerAddress()
    {
        var (url, _, app) = await ServeAsync();
        string[] sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];
        int refused = 0;
        foreach (string source in sources)
        {
            // Wrong tokens until the address's rate limit answers (20 at once, then 5 more every 15 s).
            using var http = From(source);
            HttpStatusCode status;
            int attempts = 0;
            while ((status = (await http.PostAsync(new Uri(url, "/api/v1/agents/join"), WrongToken())).StatusCode) == HttpStatusCode.Unauthorized)
            {
                refused++;
                Assert.True(++attempts < 60, "no rate limit");
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.True(attempts >= 20, $"{source}: limited after {attempts}");
        }

        using (var http = new HttpClient())
        {
            using var metrics = await http.GetAsync(new Uri(url, "/metrics"));
            Assert.Contains($"hawitness_refusals_total{{kind=\"join-token\"}} {refused}\n", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // SIGTERM: the counts still open are written as summary rows when the journal closes.
        app.Signal(Posix.SIGTERM);
        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        using var journal = JournalStore.Open(Path.Combine(_dir.File("data"), JournalStore.FileName));
        var rows = journal.Decisions(new DecisionQuery(Kind: DecisionKinds.AgentJoin, Limit: 1000)).Where(d => d.Outcome == Outcome.Refused).ToList();
        Assert.InRange(rows.Count, sources.Length, 2 * sources.Length);
        Assert.Equal(refused, rows.Sum(r => r.Evidence()?["count"]?.GetValue<int>() ?? 0));
        Assert.All(sources, s => Assert.Contains(rows, r => r.Evidence()?["remote"]?.GetValue<string>() == s));
    }

    private async Task<(Uri Url, string Password, TestProcess App)> ServeAsync()
    {
        var served = await ApplianceProcess.ServeAsync(_dir.File("data"));
        _running.Add(served.App);
        return served;
    }

    private static StringContent WrongToken() =>
        new("""{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","name":"x"}""", Encoding.UTF8, "application/json");

    private static HttpRequestMessage Post(Uri url, string path) =>
        new(HttpMethod.Post, new Uri(url, path)) { Content = new StringContent("""{"enter": true}""", Encoding.UTF8, "application/json") };

    private static System.Net.Http.Headers.AuthenticationHeaderValue Basic(string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + password)));

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127/8 address reaches the appliance).</summary>
    private static HttpClient From(string localAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static byte[] HeartbeatHead(Uri url, int length) => Encoding.ASCII.GetBytes(
        $"POST /api/v1/agents/heartbeat HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n"
        + $"X-HaWitness-Member: host-x\r\nAuthorization: Bearer not-a-member-key\r\n\r\n");

    /// <summary>Sends only the headers of a <paramref name="length"/>-byte heartbeat and returns the answer's first line.</summary>
    private static async Task<string> HeadersOnlyAsync(Uri url, int length)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(HeartbeatHead(url, length));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        int read = await stream.ReadAsync(buffer, cts.Token);
        return Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    /// <summary>Sends a whole <paramref name="length"/>-byte heartbeat body as fast as the appliance takes it; the answer's first line, or "closed".</summary>
    private static async Task<string> PushAsync(Uri url, int length)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.Port);
        var stream = client.GetStream();
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)' ');
        try
        {
            await stream.WriteAsync(HeartbeatHead(url, length));
            for (int sent = 0; sent < length; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk);
            }
        }
        catch (IOException)
        {
            // the appliance answered and closed the connection instead of reading on
        }

        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[4096];
            int read = await stream.ReadAsync(buffer, cts.Token);
            return read > 0 ? Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0] : "closed";
        }
        catch (IOException)
        {
            return "closed";
        }
    }

    private static long RssKiB(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
