using HaWitness.Fencing.Targets;
using HaWitness.Fencing.Targets.Lio;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Fencing.Tests.Targets.Lio;

/// <summary>
/// The raw configfs variant's scripts, run for real by sh on a directory tree laid out like
/// /sys/kernel/config/target (the kernel side, sessions ending when an ACL goes, cannot be
/// reproduced on a plain file system; it is exercised in the appliance image).
/// </summary>
public sealed class ConfigfsTests : IDisposable
{
    private const string Target = "iqn.2003-01.org.linux-iscsi.witness:sn.vm";
    private readonly TempDir _root = new("hawitness-configfs");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task List_ReadsTpgsLunsAclsGenAclsAndSessionsFromInfo()
    {
        string tpg = Tpg(Target, generateNodeAcls: "0");
        Acl(tpg, "iqn.2026-01.lab:hosta", "InitiatorName: iqn.2026-01.lab:hosta\nLIO Session ID: 7   ISID: 0x80 0x00 0x00 0x00 0x00 0x00  TSIH: 3  SessionType: Normal\nSession State: TARG_SESS_STATE_LOGGED_IN\n");
        Acl(tpg, "iqn.2026-01.lab:hostb", "No active iSCSI Session for Initiator Endpoint: iqn.2026-01.lab:hostb\n");
        Tpg("iqn.2003-01.org.linux-iscsi.witness:sn.open", generateNodeAcls: "1");
        File.WriteAllText(Path.Combine(_root.Path, "iscsi", "lio_version"), "Datera Inc. iSCSI Target v4.1.0\n");
        Directory.CreateDirectory(Path.Combine(_root.Path, "iscsi", "discovery_auth"));

        var inventory = await Driver(new LocalShell()).ListAsync(CancellationToken.None);

        var vm = Assert.Single(inventory.Targets, t => t.Name == Target);
        Assert.Equal("tpgt_1", vm.Locator);
        Assert.Null(vm.UnsafeReason);
        Assert.Equal(["iqn.2026-01.lab:hosta", "iqn.2026-01.lab:hostb"], vm.Initiators.Order());
        Assert.Equal(0, Assert.Single(vm.Luns).Number);
        var open = Assert.Single(inventory.Targets, t => t.Name.EndsWith("sn.open", StringComparison.Ordinal));
        Assert.Contains("generate_node_acls=1", open.UnsafeReason, StringComparison.Ordinal);
        var session = Assert.Single(inventory.Sessions);
        Assert.Equal(("iqn.2026-01.lab:hosta", "7"), (session.Initiator, session.SessionId));
    }

    [Fact]
    public async Task Grant_MakesTheAclAndMapsEveryLun_Fence_RemovesThem_BothVerified()
    {
        string tpg = Tpg(Target, generateNodeAcls: "0", luns: 2);
        var shell = new LocalShell();
        var driver = Driver(shell);

        var grant = await driver.GrantAsync("iqn.2026-01.lab:hostc", CancellationToken.None);
        Assert.True(grant.Verified, string.Join("; ", grant.Problems));
        string acl = Path.Combine(tpg, "acls", "iqn.2026-01.lab:hostc");
        Assert.Equal(Path.Combine(tpg, "lun", "lun_1"), new FileInfo(Path.Combine(acl, "lun_1", "lnk")).LinkTarget);
        Assert.Equal(["sh", "-c", LioConfigfsDriver.GrantScript, "hawitness-lio", tpg, "iqn.2026-01.lab:hostc"], shell.Received[1]);

        var fence = await driver.FenceAsync("iqn.2026-01.lab:hostc", CancellationToken.None);
        Assert.True(fence.Verified, string.Join("; ", fence.Problems));
        Assert.True(fence.Changed);
        Assert.False(Directory.Exists(acl));
        Assert.StartsWith("not persisted", fence.Persistence, StringComparison.Ordinal);

        var again = await driver.FenceAsync("iqn.2026-01.lab:hostc", CancellationToken.None);
        Assert.True(again.Verified);
        Assert.False(again.Changed, "fencing a fenced host changes nothing");
    }

    private LioConfigfsDriver Driver(LocalShell shell) =>
        new(new CommandRunner(shell, sudo: false), TimeProvider.System, NullLogger.Instance, _root.Path);

    private string Tpg(string target, string generateNodeAcls, int luns = 1)
    {
        string tpg = Path.Combine(_root.Path, "iscsi", target, "tpgt_1");
        Directory.CreateDirectory(Path.Combine(tpg, "attrib"));
        Directory.CreateDirectory(Path.Combine(tpg, "acls"));
        File.WriteAllText(Path.Combine(tpg, "attrib", "generate_node_acls"), generateNodeAcls + "\n");
        File.WriteAllText(Path.Combine(tpg, "enable"), "1\n");
        for (int i = 0; i < luns; i++)
        {
            Directory.CreateDirectory(Path.Combine(tpg, "lun", $"lun_{i}"));
        }

        return tpg;
    }

    private static void Acl(string tpg, string initiator, string info)
    {
        string dir = Path.Combine(tpg, "acls", initiator);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "info"), info);
    }
}
