using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HaWitness.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace HaWitness.Lab.Tests;

/// <summary>
/// Issue 13, part 4: the storage box's system disk dies. A real appliance with two real agents
/// (sim hypervisor) is backed up while it serves and while operator changes are being committed;
/// then it is stopped, its data directory is gone, the backup is restored into a fresh one and the
/// appliance starts from it on the same address: the same cluster CA, leader again, both hosts
/// back online with the member keys and certificates they had (no re-join), every VM where it was
/// at the same epoch and priority, and the journal's rows from before the backup are there.
/// </summary>
public sealed class BackupRestoreLabTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Hosts = ["host-a", "host-b"];
    private static readonly string[] Levels = ["high", "low"];

    private readonly ClusterLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task BackupWhileServingAndWriting_RestoreOnAFreshDisk_StartsTheSameClusterWithItsHostsVmsCaAndJournal()
    {
        string password = await FormAsync();
        var env = new Dictionary<string, string> { ["HAWITNESS_CLI_PASSWORD"] = password };
        string url = _lab.Url!.ToString().TrimEnd('/');

        // 1. A backup while operator changes keep being committed (Raft entries and journal rows).
        using var http = new HttpClient { BaseAddress = _lab.Url, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", password);
        using var stop = new CancellationTokenSource();
        int changes = 0;
        var writer = Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string vm = $"{Hosts[i % 2]}-vm0{1 + (i / 2 % 2)}";
                using var body = new StringContent($$"""{"priority": "{{Levels[i / 4 % 2]}}"}""", Encoding.UTF8, "application/json");
                using var r = await http.PostAsync($"/api/v1/vms/{vm}/priority", body);
                Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
                Interlocked.Increment(ref changes);
                await Task.Delay(150);
            }
        });
        await Task.Delay(600);
        string busy = Path.Combine(_lab.Dir, "busy.tar");
        var (code, stdout, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["backup", busy, "--data", _lab.ApplianceData, "--url", url], TimeSpan.FromSeconds(60), env);
        int changesDuringBackup = Volatile.Read(ref changes);
        await Task.Delay(600);
        await stop.CancelAsync();
        await writer;
        output.WriteLine($"busy backup: {code} {stdout}{stderr} ({changesDuringBackup} changes committed by then, {changes} in all)");
        Assert.Equal(0, code);
        Assert.Contains("taken by the running appliance", stdout, StringComparison.Ordinal);
        Assert.True(changes > changesDuringBackup, "the changes went on after the backup too");

        // Its journal copy is a whole database (SQLite's online backup), taken while rows were written.
        string checkDir = Path.Combine(_lab.Dir, "busy-restored");
        Assert.Equal(0, (await TestProcess.RunAsync(Binaries.Appliance, ["restore", busy, "--data", checkDir])).ExitCode);
        var (checkCode, checkOut, checkErr) = await TestProcess.RunAsync(Binaries.Appliance, ["db", "check", "--data", checkDir]);
        Assert.True(checkCode == 0, checkOut + checkErr);

        // 2. The backup the operator keeps: taken while serving, once the changes are done.
        var before = await _lab.WaitForStatusAsync(Settled, "settled after the changes");
        string archive = Path.Combine(_lab.Dir, "appliance-backup.tar");
        (code, stdout, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["backup", archive, "--data", _lab.ApplianceData, "--url", url], TimeSpan.FromSeconds(60), env);
        output.WriteLine($"backup: {code} {stdout}{stderr}");
        Assert.Equal(0, code);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(archive));
        long lastDecision = MaxDecisionId(_lab.ApplianceData);
        byte[] caCert = File.ReadAllBytes(Path.Combine(_lab.ApplianceData, "ca.crt"));
        var placement = Placement(before);
        var generations = Hosts.ToDictionary(h => h, h => ClusterLab.Host(before, h)!.Value.GetProperty("generation").GetString());

        // 3. The disk dies: the appliance is gone with its data directory.
        await _lab.StopApplianceAsync();
        Directory.Move(_lab.ApplianceData, _lab.ApplianceData + ".dead-disk");

        // 4. Restore on the new disk, start on the same address and Raft endpoint.
        (code, stdout, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["restore", archive, "--data", _lab.ApplianceData]);
        output.WriteLine($"restore: {code} {stdout}{stderr}");
        Assert.Equal(0, code);
        await _lab.RestartApplianceAsync();
        var after = await _lab.WaitForStatusAsync(Settled, "the restored appliance leads again and both hosts are back", TimeSpan.FromSeconds(60));

        Assert.Equal(Convert.ToHexString(SHA256.HashData(caCert)), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(_lab.ApplianceData, "ca.crt")))));
        Assert.Equal(placement, Placement(after));
        foreach (var h in Hosts)
        {
            Assert.Equal(generations[h], ClusterLab.Host(after, h)!.Value.GetProperty("generation").GetString());
        }

        Assert.True(MaxDecisionId(_lab.ApplianceData) >= lastDecision, "the journal's rows from before the backup are in the restored journal");
        var events = EventKinds(_lab.ApplianceData);
        Assert.Contains("BackupTaken", events);
        Assert.Contains("ApplianceStarted", events);
        // The agents never had to join again: nobody failed, nobody was fenced, nobody re-registered.
        Assert.DoesNotContain(JournalReader.Decisions(_lab.ApplianceData), d => d.Kind is "HostFailed" or "FenceHost" or "SelfFence");
        foreach (var (name, agent) in _lab.Agents)
        {
            Assert.False(agent.HasExited, $"{name} exited: {agent.AllOutput}");
        }
    }

    /// <summary>
    /// What docs/backup.md says about a backup older than the last change: the hosts' Raft logs
    /// hold an entry the restored appliance lacks, so they refuse it their votes (Raft's rule: never
    /// elect a leader whose log is behind) and there is no leader. Safe, not healthy: nobody is
    /// declared failed or fenced, and the hosts keep their VMs (no peer has a leader either).
    /// </summary>
    [Fact]
    public async Task BackupOlderThanTheLastChange_RestoredApplianceGetsNoLeadership_NobodyIsFencedOrStopped_AndStartingOverFormsTheClusterAgain()
    {
        string password = await FormAsync();
        string archive = Path.Combine(_lab.Dir, "old.tar");
        var env = new Dictionary<string, string> { ["HAWITNESS_CLI_PASSWORD"] = password };
        Assert.Equal(0, (await TestProcess.RunAsync(Binaries.Appliance, ["backup", archive, "--data", _lab.ApplianceData, "--url", _lab.Url!.ToString().TrimEnd('/')], TimeSpan.FromSeconds(60), env)).ExitCode);

        // One change after the backup: one Raft entry the hosts have and the backup lacks.
        using var http = new HttpClient { BaseAddress = _lab.Url, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", password);
        using var body = new StringContent("""{"priority": "low"}""", Encoding.UTF8, "application/json");
        Assert.True((await http.PostAsync("/api/v1/vms/host-a-vm01/priority", body)).IsSuccessStatusCode);
        await _lab.StopApplianceAsync();
        Directory.Move(_lab.ApplianceData, _lab.ApplianceData + ".dead-disk");
        Assert.Equal(0, (await TestProcess.RunAsync(Binaries.Appliance, ["restore", archive, "--data", _lab.ApplianceData])).ExitCode);

        await _lab.RestartApplianceAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var status = await _lab.StatusAsync();
        output.WriteLine(status.ToString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("leader").ValueKind);
        Assert.False(status.GetProperty("quorum").GetProperty("hasQuorum").GetBoolean());
        Assert.DoesNotContain(JournalReader.Decisions(_lab.ApplianceData), d => d.Kind is "HostFailed" or "FenceHost" or "SelfFence");
        foreach (var (name, agent) in _lab.Agents)
        {
            Assert.False(agent.HasExited, $"{name} exited: {agent.AllOutput}");
            Assert.DoesNotContain(agent.StdOut.Concat(agent.StdErr), l => l.Contains("SELF-FENCED", StringComparison.Ordinal));
        }

        // The way out docs/backup.md gives when no newer backup exists: start over. The appliance
        // and every agent get fresh data directories (the old ones moved aside); the hosts join
        // again with the new token and their running VMs are adopted.
        await _lab.StopApplianceAsync();
        Directory.Move(_lab.ApplianceData, _lab.ApplianceData + ".stale");
        foreach (var (name, agent) in _lab.Agents.ToList())
        {
            agent.Signal(Posix.SIGTERM);
            await agent.WaitForExitAsync(TimeSpan.FromSeconds(20));
            agent.Dispose();
            Directory.Move(Path.Combine(_lab.Dir, "agent-" + name), Path.Combine(_lab.Dir, "agent-" + name + ".old"));
        }

        await _lab.StartApplianceAsync();
        foreach (var h in Hosts)
        {
            _lab.StartAgent(h);
        }

        var formed = await _lab.WaitForStatusAsync(Settled, "started over: both hosts joined again, their four VMs adopted and running", TimeSpan.FromSeconds(60));
        output.WriteLine(formed.ToString());
        Assert.DoesNotContain(JournalReader.Decisions(_lab.ApplianceData), d => d.Kind is "HostFailed" or "FenceHost");
    }

    /// <summary>Starts the appliance and both agents and waits until they settled; the admin password.</summary>
    private async Task<string> FormAsync()
    {
        await _lab.StartApplianceAsync();
        string password = await _lab.AdminPasswordAsync();
        foreach (var h in Hosts)
        {
            _lab.StartAgent(h);
        }

        await _lab.WaitForStatusAsync(Settled, "both hosts online voters, four VMs running");
        return password;
    }

    private static bool Settled(JsonElement s) => ClusterLab.Settled(s, Hosts);

    /// <summary>VM → "host@epoch priority", as the status API shows it.</summary>
    private static SortedDictionary<string, string> Placement(JsonElement s) =>
        new(s.GetProperty("vms").EnumerateArray().ToDictionary(
            v => v.GetProperty("name").GetString()!,
            v => $"{v.GetProperty("host").GetString()}@{v.GetProperty("epoch").GetInt64()} {v.GetProperty("priority").GetString()}"), StringComparer.Ordinal);

    private static long MaxDecisionId(string dataDir) => Scalar(dataDir, "SELECT COALESCE(MAX(id), 0) FROM decisions");

    private static List<string> EventKinds(string dataDir)
    {
        using var c = Open(dataDir);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT kind FROM events ORDER BY id";
        using var r = cmd.ExecuteReader();
        var kinds = new List<string>();
        while (r.Read())
        {
            kinds.Add(r.GetString(0));
        }

        return kinds;
    }

    private static long Scalar(string dataDir, string sql)
    {
        using var c = Open(dataDir);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    private static SqliteConnection Open(string dataDir)
    {
        SQLitePCL.Batteries_V2.Init();
        var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "journal.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        return c;
    }
}
