using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests.Operator;

/// <summary>
/// Spares (contingency hosts) on a real appliance with real sim agents: the API and CLI set the
/// flag, the status API, CLI and page show it, and a killed host's VMs restart on the spare and
/// stay there until the operator moves them.
/// </summary>
public sealed partial class SpareLabTests(OperatorLab lab) : IClassFixture<OperatorLab>
{
    private static string? VmHost(JsonElement status, string vm) =>
        status.GetProperty("vms").EnumerateArray().First(v => v.GetProperty("name").GetString() == vm).GetProperty("host").GetString();

    [Fact]
    public async Task ASpare_IsSetByApiAndCli_Shown_AndTakesAFailedHostsVms_UntilTheOperatorMovesThem()
    {
        lab.Lab.StartAgent("host-c", simVms: 0);
        await lab.Lab.WaitForStatusAsync(
            s => s.GetProperty("hosts").GetArrayLength() == 3 && s.GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("state").GetString() == "online"),
            "host-c joined", TimeSpan.FromSeconds(90));

        var calls = new (string Path, string? Body, bool Auth, int Expected, string Says)[]
        {
            ("/api/v1/hosts/host-c/spare", """{"spare": tru""", true, 400, "not valid JSON"),
            ("/api/v1/hosts/host-c/spare", """{"spare": "yes"}""", true, 400, "not valid JSON"),
            ("/api/v1/hosts/host-c/spare", "{}", true, 400, "the body needs"),
            ("/api/v1/hosts/host-c/spare", null, true, 415, "application/json"),
            ("/api/v1/hosts/no-such-host/spare", """{"spare": true}""", true, 404, "no host no-such-host"),
            ("/api/v1/hosts/bad%20name%3B/spare", """{"spare": true}""", true, 400, "not a valid host name"),
            ("/api/v1/hosts/host-c/spare", """{"spare": true}""", false, 401, "admin password"),
        };
        foreach (var (path, body, auth, expected, says) in calls)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.Url, path)) { Content = body is null ? new StringContent("spare=true") : OperatorLab.Json(body) };
            var response = await (auth ? lab.Admin : lab.Anonymous).SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == (int)response.StatusCode, $"POST {path} {body}: expected {expected}, got {(int)response.StatusCode}: {text}");
            Assert.Contains(says, text, StringComparison.Ordinal);
        }

        Assert.False((await lab.GetJsonAsync("/api/v1/hosts/host-c")).GetProperty("spare").GetBoolean());

        // The CLI: exit 5 without the password, 2 for a bad word or name, 4 for an unknown host, 0 when done.
        Assert.Equal(5, (await lab.CliAsync("host", "spare", "host-c", "on")).ExitCode);
        Assert.Equal(2, (await lab.CliAsync("host", "spare", "host-c", "maybe", "--password-file", lab.PasswordFile)).ExitCode);
        var (badName, _, badNameErr) = await lab.CliAsync("host", "spare", "host c;", "on", "--password-file", lab.PasswordFile);
        Assert.Equal(2, badName);
        Assert.Contains("not a valid host name", badNameErr, StringComparison.Ordinal);
        Assert.Equal(4, (await lab.CliAsync("host", "spare", "no-such-host", "on", "--password-file", lab.PasswordFile)).ExitCode);
        var (code, stdout, _) = await lab.CliAsync("host", "spare", "host-c", "on", "--password-file", lab.PasswordFile);
        Assert.Equal(0, code);
        Assert.Contains("host-c becomes a spare", stdout, StringComparison.Ordinal);
        (code, stdout, _) = await lab.CliAsync("host", "spare", "host-c", "on", "--password-file", lab.PasswordFile);
        Assert.Equal(0, code);
        Assert.Contains("host-c is already a spare", stdout, StringComparison.Ordinal);

        // Shown by the hosts API, the status API, the CLI's table and the page.
        Assert.True((await lab.GetJsonAsync("/api/v1/hosts/host-c")).GetProperty("spare").GetBoolean());
        Assert.True(ClusterLab.Host(await lab.GetJsonAsync("/api/v1/status"), "host-c")!.Value.GetProperty("spare").GetBoolean());
        Assert.False(ClusterLab.Host(await lab.GetJsonAsync("/api/v1/status"), "host-b")!.Value.GetProperty("spare").GetBoolean());
        (code, stdout, _) = await lab.CliAsync("hosts");
        Assert.Equal(0, code);
        Assert.Contains("SPARE", stdout, StringComparison.Ordinal);
        Assert.Matches(@" no +no +yes +0 ", stdout.Split('\n').Single(l => l.StartsWith("host-c ", StringComparison.Ordinal)));
        string page = await lab.Anonymous.GetStringAsync(new Uri(lab.Url, "/"));
        Assert.Contains("<span class=\"badge plain\">spare</span>", page, StringComparison.Ordinal);
        string detail = await lab.Anonymous.GetStringAsync(new Uri(lab.Url, "/hosts/host-c"));
        Assert.Contains("<dd id=\"spare-state\">yes: it takes VMs only when a failover restarts them", detail, StringComparison.Ordinal);
        var journal = await lab.GetJsonAsync("/api/v1/journal?kind=SetSpare&subject=host:host-c");
        var decided = journal.GetProperty("decisions").EnumerateArray().First(d => d.GetProperty("outcome").GetString() == "Decided");
        Assert.Equal("operator", decided.GetProperty("evidence").GetProperty("by").GetString());

        // A host dies: its VMs restart on the spare (the journal says why), and stay there.
        lab.Lab.Agents["host-a"].Signal(Posix.SIGKILL);
        await lab.Lab.WaitForStatusAsync(
            s => VmHost(s, "host-a-vm01") == "host-c" && VmHost(s, "host-a-vm02") == "host-c"
                 && s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running"),
            "host-a's VMs running on the spare host-c", TimeSpan.FromSeconds(90));
        var placed = await lab.GetJsonAsync("/api/v1/journal?kind=PlaceVm&subject=vm:host-a-vm01");
        Assert.Contains(placed.GetProperty("decisions").EnumerateArray(),
            d => d.GetProperty("summary").GetString()!.Contains("placed on host-c (a spare: failover restarts go to spares first)", StringComparison.Ordinal));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("host-c", VmHost(await lab.GetJsonAsync("/api/v1/status"), "host-a-vm01"));
        string metrics = await lab.Anonymous.GetStringAsync(new Uri(lab.Url, "/metrics"));
        Assert.Contains("hawitness_spare_hosts 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("hawitness_vms_on_spares 2\n", metrics, StringComparison.Ordinal);

        // On the operator's word one goes back to a normal host; the other stays on the spare.
        (code, stdout, _) = await lab.CliAsync("vm", "migrate", "host-a-vm01", "host-b", "--password-file", lab.PasswordFile);
        Assert.Equal(0, code);
        await lab.Lab.WaitForStatusAsync(
            s => VmHost(s, "host-a-vm01") == "host-b" && s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running"),
            "host-a-vm01 moved back to host-b", TimeSpan.FromSeconds(60));
        Assert.Equal("host-c", VmHost(await lab.GetJsonAsync("/api/v1/status"), "host-a-vm02"));

        var off = await lab.Admin.PostAsync(new Uri(lab.Url, "/api/v1/hosts/host-c/spare"), OperatorLab.Json("""{"spare": false}"""));
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Contains("host-c is a normal host again", await off.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False((await lab.GetJsonAsync("/api/v1/hosts/host-c")).GetProperty("spare").GetBoolean());

        // The page: a logged-in admin makes it a spare again from the host's page (session and CSRF token).
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false });
        string login = await browser.GetStringAsync(new Uri(lab.Url, "/login"));
        var loggedIn = await browser.PostAsync(new Uri(lab.Url, "/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = CsrfField().Match(login).Groups[1].Value, ["password"] = lab.Password, ["return"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, loggedIn.StatusCode);
        string hostPage = await browser.GetStringAsync(new Uri(lab.Url, "/hosts/host-c"));
        Assert.Contains("id=\"spare\">Make it a spare", hostPage, StringComparison.Ordinal);
        string csrf = CsrfField().Match(hostPage).Groups[1].Value;
        var badForm = await browser.PostAsync(new Uri(lab.Url, "/hosts/host-c/spare"), new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = csrf, ["spare"] = "maybe" }));
        Assert.Equal(HttpStatusCode.BadRequest, badForm.StatusCode);
        var form = await browser.PostAsync(new Uri(lab.Url, "/hosts/host-c/spare"), new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf"] = csrf, ["spare"] = "true" }));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains("host-c becomes a spare", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True((await lab.GetJsonAsync("/api/v1/hosts/host-c")).GetProperty("spare").GetBoolean());
        string vmPage = await browser.GetStringAsync(new Uri(lab.Url, "/vms/host-a-vm01")); // on host-b; host-a is fenced
        Assert.Contains("id=\"migrate\"", vmPage, StringComparison.Ordinal);
        Assert.DoesNotContain("<option>host-c</option>", vmPage, StringComparison.Ordinal); // no migrate to a spare offered
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
