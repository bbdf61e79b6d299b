using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HaWitness.TestSupport;

namespace HaWitness.Appliance.Tests.Operator;

/// <summary>Admin auth, login form, HTTPS: the appliance alone, a real process on loopback.</summary>
public sealed partial class OperatorAuthTests : IAsyncLifetime
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

    private async Task<(Uri Url, string Password, TestProcess App)> ServeAsync(string urls = "http://127.0.0.1:0", Dictionary<string, string>? env = null)
    {
        var served = await ApplianceProcess.ServeAsync(_dir.File("data"), urls, env);
        _running.Add(served.App);
        return served;
    }

    private static HttpRequestMessage Post(Uri url, string path, string? bearer = null, string? basic = null)
    {
        var r = new HttpRequestMessage(HttpMethod.Post, new Uri(url, path)) { Content = new StringContent("""{"enter": true}""", Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            r.Headers.Authorization = new("Bearer", bearer);
        }

        if (basic is not null)
        {
            r.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }

        return r;
    }

    [Fact]
    public async Task FailedLogins_AreThrottledPerAddress_AndCountedInTheJournal()
    {
        var (url, password, _) = await ServeAsync();
        using var http = new HttpClient();

        var codes = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            codes.Add((int)(await http.SendAsync(Post(url, "/api/v1/hosts/x/maintenance", basic: "admin:wrong-" + i))).StatusCode);
        }

        var locked = await http.SendAsync(Post(url, "/api/v1/hosts/x/maintenance", bearer: password));
        Assert.Equal([401, 401, 401, 401, 429], codes);
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode); // even the right password waits out the lockout
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("try again in", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var journal = JsonDocument.Parse(await http.GetStringAsync(new Uri(url, "/api/v1/journal?kind=AdminLogin")));
        var rows = journal.RootElement.GetProperty("decisions").EnumerateArray().ToList();
        // The first failure is journaled at once; the next ones of the minute are counted into one summary row later.
        var row = Assert.Single(rows);
        Assert.Contains("failed admin login from 127.0.0.1 (basic), failure 1 in a row", row.GetProperty("summary").GetString()!, StringComparison.Ordinal);
        Assert.Equal("Refused", row.GetProperty("outcome").GetString());
        string metrics = await http.GetStringAsync(new Uri(url, "/metrics"));
        Assert.Contains("hawitness_login_failures_total 4", metrics, StringComparison.Ordinal);
        Assert.Contains("hawitness_refusals_total{kind=\"login\"} 4", metrics, StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Post(url, "/api/v1/hosts/x/maintenance", bearer: password))).StatusCode);
    }

    [Fact]
    public async Task AdminPassword_RotatedWhileRunning_OldOneStopsWorking()
    {
        var (url, old, _) = await ServeAsync();
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Post(url, "/api/v1/hosts/x/maintenance", bearer: old))).StatusCode);

        var (code, stdout, _) = await TestProcess.RunAsync(Binaries.Appliance, ["admin-password", "--data", _dir.File("data")]);
        string fresh = stdout.Trim();

        Assert.Equal(0, code);
        Assert.Equal(24, fresh.Length);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Post(url, "/api/v1/hosts/x/maintenance", bearer: old))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(Post(url, "/api/v1/hosts/x/maintenance", basic: "admin:" + fresh))).StatusCode);
        Assert.DoesNotContain(fresh, await File.ReadAllTextAsync(_dir.File("data/admin-password")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosedReads_NeedTheAdmin_ThePageSendsPeopleToLogin_AndTheAgentsApiStillAnswers()
    {
        var (url, password, _) = await ServeAsync(env: new() { ["HAWITNESS_Http__OpenRead"] = "false" });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(url, "/api/v1/status"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(url, "/metrics"))).StatusCode);
        var page = await http.GetAsync(new Uri(url, "/hosts/a"));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?return=%2Fhosts%2Fa", page.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(url, "/healthz"))).StatusCode);
        var join = await http.PostAsync(new Uri(url, "/api/v1/agents/join"), new StringContent("""{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","name":"x"}""", Encoding.UTF8, "application/json"));
        Assert.Contains("bad_token", await join.Content.ReadAsStringAsync(), StringComparison.Ordinal); // its own auth, not ours

        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "/api/v1/status"));
        get.Headers.Authorization = new("Bearer", password);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(get)).StatusCode);
    }

    [Fact]
    public async Task LoginForm_GivesAStrictHttpOnlyCookie_AndFormsWithoutTheCsrfTokenAreRefused()
    {
        var (url, password, _) = await ServeAsync();
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });

        string form = await http.GetStringAsync(new Uri(url, "/login"));
        string token = CsrfField().Match(form).Groups[1].Value;
        Assert.NotEmpty(token);
        var bad = await http.PostAsync(new Uri(url, "/login"), new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = "forged", ["password"] = password }));
        Assert.Equal(HttpStatusCode.Forbidden, bad.StatusCode);

        form = await http.GetStringAsync(new Uri(url, "/login"));
        token = CsrfField().Match(form).Groups[1].Value;
        var wrong = await http.PostAsync(new Uri(url, "/login"), new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = token, ["password"] = "nope", ["return"] = "/" }));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("Wrong password", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        form = await http.GetStringAsync(new Uri(url, "/login"));
        token = CsrfField().Match(form).Groups[1].Value;
        var ok = await http.PostAsync(new Uri(url, "/login"), new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = token, ["password"] = password, ["return"] = "//evil.example/" }));
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.Equal("/", ok.Headers.Location?.ToString()); // no open redirect
        string setCookie = string.Join("\n", ok.Headers.GetValues("Set-Cookie"));
        Assert.Matches("hw_session=[^;]+; path=/; samesite=strict; httponly", setCookie.ToLowerInvariant());

        string home = await http.GetStringAsync(new Uri(url, "/"));
        Assert.Contains("Log out", home, StringComparison.Ordinal);
        string sessionCsrf = CsrfField().Match(home).Groups[1].Value;
        var noToken = await http.PostAsync(new Uri(url, "/hosts/x/maintenance"), new FormUrlEncodedContent(new Dictionary<string, string> { ["enter"] = "true" }));
        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/hosts/x/maintenance"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = sessionCsrf, ["enter"] = "true" }),
        };
        crossSite.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(crossSite)).StatusCode);
        var withToken = await http.PostAsync(new Uri(url, "/hosts/x/maintenance"), new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = sessionCsrf, ["enter"] = "true" }));
        Assert.Equal(HttpStatusCode.NotFound, withToken.StatusCode); // accepted as a form; there is no host x

        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(new Uri(url, "/hosts/x/maintenance"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = sessionCsrf, ["enter"] = "true" }))).StatusCode);
        var page = await anonymous.GetAsync(new Uri(url, "/"));
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_SelfSignedCertificateIsMadeAtFirstStart_KeptInData_AndTheCliPinsIt()
    {
        int http = ClusterLab.FreePort(), https = ClusterLab.FreePort();
        var (url, password, app) = await ServeAsync($"http://127.0.0.1:{http};https://127.0.0.1:{https}");
        string cert = _dir.File("data/https/cert.pem");
        Assert.True(File.Exists(cert));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.File("data/https/key.pem")));
        Assert.Contains(app.StdOut.Concat(app.StdErr), l => l.Contains("HTTPS certificate SHA-256", StringComparison.Ordinal));

        string secure = $"https://127.0.0.1:{https}";
        var pinned = await TestProcess.RunAsync(Binaries.Appliance, ["status", "--url", secure, "--cacert", cert]);
        Assert.True(pinned.ExitCode == 0, pinned.StdErr);
        Assert.Contains("quorum: yes", pinned.StdOut, StringComparison.Ordinal);
        var unpinned = await TestProcess.RunAsync(Binaries.Appliance, ["status", "--url", secure]);
        Assert.Equal(1, unpinned.ExitCode);
        Assert.Contains("cannot reach the appliance", unpinned.StdErr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await new HttpClient().GetAsync(new Uri(url, "/healthz"))).StatusCode); // the plain URL the agents use
        await File.WriteAllTextAsync(_dir.File("pw"), password);
        var act = await TestProcess.RunAsync(Binaries.Appliance, ["maintenance", "enter", "nope", "--url", secure, "--cacert", cert, "--password-file", _dir.File("pw")]);
        Assert.Equal(4, act.ExitCode);
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
