using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests.Operator;

/// <summary>
/// A real appliance with two sim agents (two VMs each) on loopback, and the admin password it
/// printed at first start. One per test class: the tests in a class run in order, on one cluster.
/// </summary>
public sealed class OperatorLab : IAsyncLifetime
{
    public ClusterLab Lab { get; } = new();

    public string Password { get; private set; } = string.Empty;

    public string PasswordFile => Path.Combine(Lab.Dir, "admin-password.txt");

    public Uri Url => Lab.Url!;

    public HttpClient Anonymous { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Admin { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        await Lab.StartApplianceAsync();
        Password = await Lab.AdminPasswordAsync();
        await File.WriteAllTextAsync(PasswordFile, Password + "\n");
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Password)));
        Lab.StartAgent("host-a");
        Lab.StartAgent("host-b");
        await Lab.WaitForStatusAsync(
            s => s.GetProperty("hosts").GetArrayLength() == 2 && s.GetProperty("vms").GetArrayLength() == 4
                 && s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running"),
            "two hosts with their four VMs running", TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        Anonymous.Dispose();
        Admin.Dispose();
        await Lab.DisposeAsync();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var doc = JsonDocument.Parse(await Anonymous.GetStringAsync(new Uri(Url, path)));
        return doc.RootElement.Clone();
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Runs the <c>hawitness</c> CLI against this appliance.</summary>
    public Task<(int ExitCode, string StdOut, string StdErr)> CliAsync(params string[] args) =>
        TestProcess.RunAsync(Binaries.Appliance, [.. args, "--url", Url.ToString().TrimEnd('/')], TimeSpan.FromSeconds(60));
}
