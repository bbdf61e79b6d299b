using System.Net;
using System.Text.Json;
using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests.Operator;

/// <summary>The operators' API and CLI on a real appliance with real sim agents (Kestrel on loopback).</summary>
public sealed class OperatorApiTests(OperatorLab lab) : IClassFixture<OperatorLab>
{
    private static string[] States(JsonElement vms) =>
        [.. vms.EnumerateArray().OrderBy(v => v.GetProperty("name").GetString(), StringComparer.Ordinal).Select(v => $"{v.GetProperty("name").GetString()}={v.GetProperty("state").GetString()}")];

    [Fact]
    public async Task Reads_AnswerWithoutLogin_AndStatusVmsAndFailoverAgreeOnEveryVmsState()
    {
        // (Other tests of this class move VMs around: only the totals are fixed.)
        var hosts = (await lab.GetJsonAsync("/api/v1/hosts")).GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(["host-a", "host-b"], hosts.Select(h => h.GetProperty("name").GetString()));
        Assert.All(hosts, h => Assert.Equal("online", h.GetProperty("state").GetString()));
        Assert.Equal(4, hosts.Sum(h => h.GetProperty("vms").GetArrayLength()));
        var busy = hosts.First(h => h.GetProperty("vms").GetArrayLength() > 0);
        Assert.True(busy.GetProperty("freeCpus").GetInt32() < busy.GetProperty("cpus").GetInt32());
        Assert.Equal("host-a", (await lab.GetJsonAsync("/api/v1/hosts/host-a")).GetProperty("name").GetString());
        Assert.Equal("host-a-vm01", (await lab.GetJsonAsync("/api/v1/vms/host-a-vm01")).GetProperty("name").GetString());

        var status = States((await lab.GetJsonAsync("/api/v1/status")).GetProperty("vms"));
        Assert.Equal(status, States((await lab.GetJsonAsync("/api/v1/vms")).GetProperty("vms")));
        Assert.Equal(status, States((await lab.GetJsonAsync("/api/v1/failover")).GetProperty("vms")));
        Assert.Contains((await lab.GetJsonAsync("/api/v1/alarms")).GetProperty("alarms").EnumerateArray(), x => x.GetProperty("kind").GetString() == "LeaseOnly");

        string metrics = await lab.Anonymous.GetStringAsync(new Uri(lab.Url, "/metrics"));
        Assert.Contains("hawitness_hosts{state=\"online\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("hawitness_vms{state=\"running\"} 4\n", metrics, StringComparison.Ordinal);
        Assert.Contains("hawitness_quorum 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("hawitness_quorum_voters 3\n", metrics, StringComparison.Ordinal);
        Assert.Contains("hawitness_failovers_total 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE hawitness_fence_duration_seconds histogram", metrics, StringComparison.Ordinal);
        Assert.Matches(@"hawitness_journal_bytes \d+\n", metrics);
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheContractRoutes_AndEveryReadRouteInItAnswers()
    {
        var doc = await lab.GetJsonAsync("/api/v1/openapi.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var contract in new[] { "/api/v1/status", "/api/v1/hosts", "/api/v1/vms", "/api/v1/journal", "/api/v1/hosts/{name}/maintenance", "/api/v1/hosts/{name}/spare",
                     "/api/v1/vms/{name}/migrate", "/api/v1/vms/{name}/ha", "/api/v1/vms/{name}/priority", "/api/v1/explain/vm/{name}", "/api/v1/agents/join", "/metrics" })
        {
            Assert.Contains(contract, paths);
        }

        foreach (var p in doc.GetProperty("paths").EnumerateObject().Where(p => p.Value.TryGetProperty("get", out _)))
        {
            string path = p.Name.Replace("/vm/{name}", "/vm/host-a-vm01", StringComparison.Ordinal).Replace("/vms/{name}", "/vms/host-a-vm01", StringComparison.Ordinal)
                .Replace("{name}", "host-a", StringComparison.Ordinal);
            var response = await lab.Anonymous.GetAsync(new Uri(lab.Url, path));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Journal_PagesWithTheNextCursor_AndFiltersBySubjectAndKind()
    {
        var first = await lab.GetJsonAsync("/api/v1/journal?limit=2");
        var ids = first.GetProperty("decisions").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(2, ids.Count);
        Assert.True(ids[0] > ids[1], "newest first");
        string next = first.GetProperty("next").GetString()!;
        var second = await lab.GetJsonAsync($"/api/v1/journal?limit=2&cursor={next}");
        Assert.NotEmpty(second.GetProperty("decisions").EnumerateArray()); // the cursor leads to older decisions, not to nothing
        Assert.All(second.GetProperty("decisions").EnumerateArray(), d => Assert.True(d.GetProperty("id").GetInt64() < ids[1]));

        var starts = await lab.GetJsonAsync("/api/v1/journal?subject=vm:host-a-vm01&kind=StartVm");
        Assert.NotEmpty(starts.GetProperty("decisions").EnumerateArray());
        Assert.All(starts.GetProperty("decisions").EnumerateArray(), d =>
        {
            Assert.Equal("vm:host-a-vm01", d.GetProperty("subject").GetString());
            Assert.Equal("StartVm", d.GetProperty("kind").GetString());
            Assert.False(string.IsNullOrEmpty(d.GetProperty("summary").GetString()));
        });

        var newer = await lab.GetJsonAsync($"/api/v1/journal?after={ids[1]}");
        Assert.Equal(ids[0], newer.GetProperty("decisions")[0].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task BadRequests_Are4xxWithASentence_NeverA500()
    {
        var calls = new (string Method, string Path, HttpContent? Body, bool Auth, int Expected, string Says)[]
        {
            ("POST", "/api/v1/hosts/host-a/maintenance", OperatorLab.Json("""{"enter": tru"""), true, 400, "not valid JSON"),
            ("POST", "/api/v1/hosts/host-a/maintenance", OperatorLab.Json("""{"enter": "yes"}"""), true, 400, "not valid JSON"),
            ("POST", "/api/v1/hosts/host-a/maintenance", OperatorLab.Json("""{"force": true}"""), true, 400, "the body needs"),
            ("POST", "/api/v1/hosts/host-a/maintenance", OperatorLab.Json("{\"enter\":true,\"pad\":\"" + new string('x', 20_000) + "\"}"), true, 413, "larger than"),
            ("POST", "/api/v1/hosts/host-a/maintenance", new StringContent("enter=true"), true, 415, "application/json"),
            ("POST", "/api/v1/hosts/no-such-host/maintenance", OperatorLab.Json("""{"enter": true}"""), true, 404, "no host no-such-host"),
            ("POST", "/api/v1/vms/no-such-vm/migrate", OperatorLab.Json("""{"host": "host-b"}"""), true, 404, "no VM no-such-vm"),
            ("POST", "/api/v1/vms/host-a-vm01/migrate", OperatorLab.Json("{}"), true, 400, "the body needs"),
            ("POST", "/api/v1/vms/host-a-vm01/priority", OperatorLab.Json("""{"priority": "2"}"""), true, 400, "high, medium, low or disabled"),
            ("POST", "/api/v1/vms/host-a-vm01/ha", OperatorLab.Json("null"), true, 400, "empty or null"),
            ("POST", "/api/v1/hosts/host-a/readmit", OperatorLab.Json("{}"), true, 400, "why you vouch"),
            ("POST", "/api/v1/hosts/host-a/readmit", OperatorLab.Json("""{"reason": "ok\nrm -rf /"}"""), true, 400, "one line"),
            ("POST", "/api/v1/hosts/no-such-host/readmit", OperatorLab.Json("""{"reason": "checked"}"""), true, 404, "no host no-such-host"),
            ("POST", "/api/v1/hosts/host-a/readmit", OperatorLab.Json("""{"reason": "checked"}"""), false, 401, "admin password"),
            ("POST", "/api/v1/hosts/host-a/maintenance", OperatorLab.Json("""{"enter": true}"""), false, 401, "admin password"),
            ("POST", "/api/v1/maintenance/host-a/enter", null, false, 401, "admin password"),
            ("POST", "/api/v1/vms/host-a-vm01/ha/off", null, false, 401, "admin password"),
            ("GET", "/api/v1/hosts/no-such-host", null, false, 404, "no host no-such-host"),
            ("GET", "/api/v1/vms/%3Cscript%3E", null, false, 404, "no VM \\u003Cscript\\u003E"),
            ("GET", "/api/v1/explain/host/no-such-host", null, false, 404, "no host no-such-host"),
            ("GET", "/api/v1/journal?limit=0", null, false, 400, "limit"),
            ("GET", "/api/v1/journal?cursor=abc", null, false, 400, "cursor"),
            ("GET", "/api/v1/journal?cursor=5&after=1", null, false, 400, "not both"),
        };
        foreach (var (method, path, body, auth, expected, says) in calls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(lab.Url, path)) { Content = body };
            var response = await (auth ? lab.Admin : lab.Anonymous).SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == (int)response.StatusCode, $"{method} {path}: expected {expected}, got {(int)response.StatusCode}: {text}");
            Assert.Contains(says, text, StringComparison.Ordinal);
        }

        // Wrong password: 401, and the journal keeps the attempt (two failures stay under the lockout).
        using var wrong = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.Url, "/api/v1/vms/host-a-vm01/ha")) { Content = OperatorLab.Json("""{"on": false}""") };
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-password");
        var denied = await lab.Anonymous.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Contains("Basic", denied.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var logins = await lab.GetJsonAsync("/api/v1/journal?kind=AdminLogin");
        Assert.Contains(logins.GetProperty("decisions").EnumerateArray(), d => d.GetProperty("summary").GetString()!.Contains("failed admin login from 127.0.0.1 (bearer)", StringComparison.Ordinal));
        Assert.True((await lab.GetJsonAsync("/api/v1/vms/host-a-vm01")).GetProperty("ha").GetBoolean(), "nothing changed");
    }

    [Fact]
    public async Task Cli_ActsThroughTheApi_WithExitCodesScriptsCanUse()
    {
        var (code, stdout, _) = await lab.CliAsync("hosts");
        Assert.Equal(0, code);
        Assert.Contains("host-a", stdout, StringComparison.Ordinal);
        Assert.StartsWith("HOST ", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await lab.CliAsync("vms", "--json");
        Assert.Equal(0, code);
        Assert.Equal(4, JsonDocument.Parse(stdout).RootElement.GetProperty("vms").GetArrayLength());

        var (noAuth, _, noAuthErr) = await lab.CliAsync("maintenance", "enter", "host-a");
        Assert.Equal(5, noAuth);
        Assert.Contains("not authorised", noAuthErr, StringComparison.Ordinal);
        Assert.Equal(4, (await lab.CliAsync("vm", "ha", "off", "no-such-vm", "--password-file", lab.PasswordFile)).ExitCode);
        Assert.Equal(2, (await lab.CliAsync("vm", "priority", "host-a-vm01", "urgent")).ExitCode);
        Assert.Equal(4, (await lab.CliAsync("explain", "host", "no-such-host")).ExitCode);
        Assert.Equal(2, (await lab.CliAsync("readmit", "host-a", "--password-file", lab.PasswordFile)).ExitCode); // --reason is required
        (code, stdout, _) = await lab.CliAsync("readmit", "host-a", "--reason", "checked by hand", "--password-file", lab.PasswordFile);
        Assert.Equal(0, code);
        Assert.Contains("host-a is not failed", stdout, StringComparison.Ordinal); // a healthy host: nothing to do

        (code, stdout, _) = await lab.CliAsync("maintenance", "enter", "host-a", "--password-file", lab.PasswordFile);
        Assert.Equal(0, code);
        Assert.Contains("host-a enters maintenance", stdout, StringComparison.Ordinal);
        await lab.Lab.WaitForStatusAsync(s => s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("host").GetString() == "host-b" && v.GetProperty("state").GetString() == "running"),
            "every VM moved to host-b and running", TimeSpan.FromSeconds(60));

        // host-a takes no VM while in maintenance: the HA logic refuses, exit 3.
        var (refused, _, refusedErr) = await lab.CliAsync("vm", "migrate", "host-a-vm01", "host-a", "--password-file", lab.PasswordFile);
        Assert.Equal(3, refused);
        Assert.Contains("HTTP 409", refusedErr, StringComparison.Ordinal);

        (code, stdout, _) = await lab.CliAsync("explain", "host", "host-a");
        Assert.Equal(0, code);
        Assert.Contains("host-a is in maintenance", stdout, StringComparison.Ordinal);
        (code, stdout, _) = await lab.CliAsync("journal", "--limit", "5", "--kind", "Maintenance");
        Assert.Equal(0, code);
        Assert.Contains("host:host-a", stdout, StringComparison.Ordinal);

        var exit = await lab.Admin.PostAsync(new Uri(lab.Url, "/api/v1/hosts/host-a/maintenance"), OperatorLab.Json("""{"enter": false}"""));
        Assert.Equal(HttpStatusCode.OK, exit.StatusCode);
        Assert.False((await lab.GetJsonAsync("/api/v1/hosts/host-a")).GetProperty("maintenance").GetBoolean());
    }
}
