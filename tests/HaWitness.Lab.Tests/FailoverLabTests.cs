using System.Text.Json;
using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests;

/// <summary>
/// The whole product on one machine: a real tgtd holding the VMs' LUN, a real sshd the appliance
/// drives it through, the appliance with its storage fence enabled, and two sim agents as
/// processes. A host is killed; the majority declares it failed, the appliance cuts it off the
/// disk for certain (its live iSCSI session's later write never lands, its new login is refused),
/// and its VMs run again on the survivor.
/// </summary>
public sealed class FailoverLabTests : IAsyncLifetime
{
    private const string Target = "iqn.2026-11.lab.hawitness:vmstore";
    private readonly ClusterLab _lab = new();
    private TgtdFixture _tgtd = null!;
    private SshdFixture _sshd = null!;

    public async Task InitializeAsync()
    {
        _tgtd = await TgtdFixture.StartAsync();
        _sshd = await SshdFixture.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _lab.DisposeAsync();
        await _sshd.DisposeAsync();
        await _tgtd.DisposeAsync();
    }

    private static string Iqn(string host) => "iqn.2026-11.org.hawitness:" + host;

    private static string? VmHost(JsonElement status, string vm) =>
        status.GetProperty("vms").EnumerateArray().First(v => v.GetProperty("name").GetString() == vm).GetProperty("host").GetString();

    [Fact]
    public async Task KilledHost_IsFencedAtTheTarget_ItsLateWriteNeverLands_AndItsVmsRunOnTheSurvivor()
    {
        string lun = await _tgtd.CreateTargetAsync(1, Target);
        string conf = Path.Combine(_lab.Dir, "tgt-conf.d");
        Directory.CreateDirectory(conf);
        string config = Path.Combine(_lab.Dir, "appliance.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Target"] = new Dictionary<string, object>
            {
                ["Enabled"] = true,
                ["Driver"] = "tgt",
                ["Ssh"] = _sshd.Destination,
                ["SshKey"] = _sshd.ClientKey,
                ["KnownHosts"] = Path.Combine(_lab.Dir, "known_hosts"),
                ["TgtControlPort"] = _tgtd.ControlPort,
                ["TgtConfDirectory"] = conf,
            },
        }));
        await _lab.StartApplianceAsync(null, "--config", config);
        _lab.StartAgent("host-a");
        _lab.StartAgent("host-b");
        await _lab.WaitForStatusAsync(
            s => s.GetProperty("vms").GetArrayLength() == 4
                 && s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running")
                 && s.GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("state").GetString() == "online"),
            "both hosts online, their 4 VMs running");

        // Joining granted both initiators on the target (over SSH, after admission): host-a's "VM"
        // then writes through its own session.
        foreach (var host in new[] { "host-a", "host-b" })
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await Initiator.InquiryAsync(Iqn(host), _tgtd.Portal, Target) != 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{host} never granted; appliance output:\n{_lab.Appliance!.AllOutput}");
                await Task.Delay(250);
            }
        }

        using var disk = QemuIoSession.Open(Iqn("host-a"), _tgtd.Portal, Target);
        disk.Write(0xaa, 0);
        Assert.True(await disk.WaitWrittenAsync(0, TimeSpan.FromSeconds(20)), disk.Output);

        _lab.Agents["host-a"].Signal(Posix.SIGKILL);

        var after = await _lab.WaitForStatusAsync(
            s => ClusterLab.Host(s, "host-a")!.Value.GetProperty("state").GetString() == "fenced"
                 && VmHost(s, "host-a-vm01") == "host-b" && VmHost(s, "host-a-vm02") == "host-b"
                 && s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running"),
            "host-a fenced and its VMs running on host-b", TimeSpan.FromSeconds(90));
        Assert.Equal("online", ClusterLab.Host(after, "host-b")!.Value.GetProperty("state").GetString());

        // The fence is real: the dead host's live session's later write never lands, its new login is refused,
        // and the survivor still reaches the disk.
        disk.Write(0xdd, 8192);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal([0, 0, 0, 0], Initiator.Peek(lun, 8192));
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(Iqn("host-a"), _tgtd.Portal, Target));
        Assert.Equal(0, await Initiator.InquiryAsync(Iqn("host-b"), _tgtd.Portal, Target));

        // The journal explains it in order: failed (majority), fenced at the target (verified), VMs placed.
        var kinds = JournalReader.Decisions(_lab.ApplianceData).Where(d => d.Subject == "host:host-a").Select(d => (d.Kind, d.Outcome)).ToList();
        int failed = kinds.IndexOf(("HostFailed", "Succeeded"));
        int fenced = kinds.FindIndex(k => k is ("FenceHost", "Succeeded"));
        Assert.True(failed >= 0 && fenced > failed, string.Join(", ", kinds));
        var fence = JournalReader.Decisions(_lab.ApplianceData).First(d => d.Kind == "FenceHost" && d.Outcome == "Succeeded" && d.Subject == "host:host-a");
        Assert.Contains("sessions", fence.Evidence, StringComparison.OrdinalIgnoreCase);
    }
}
