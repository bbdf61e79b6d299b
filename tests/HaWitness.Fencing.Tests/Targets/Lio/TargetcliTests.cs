using HaWitness.Core.Configuration;
using HaWitness.Fencing.Targets;
using HaWitness.Fencing.Targets.Lio;

namespace HaWitness.Fencing.Tests.Targets.Lio;

/// <summary>
/// The targetcli driver against output in targetcli-fb's format (Recorded/*.txt, written after
/// targetcli-fb's ui_target.py / ui_root.py formats) and the exact command vectors it sends.
/// LIO itself cannot run on this kernel; it is exercised for real in the appliance image.
/// </summary>
public sealed class TargetcliTests
{
    private const string Open = "iqn.2003-01.org.linux-iscsi.witness.x8664:sn.open";
    private const string Vm = "iqn.2003-01.org.linux-iscsi.witness.x8664:sn.4f1a2b3c4d5e";
    private const string HostA = "iqn.2026-01.lab:hosta";

    private static string Recorded(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Targets", "Lio", "Recorded", name));

    [Fact]
    public void Tree_Recorded_ParsesTpgsAclsLunsAndGenAcls()
    {
        var tpgs = TargetcliParser.ParseTree(Recorded("ls-iscsi.txt"));
        Assert.Equal(2, tpgs.Count);
        Assert.Equal(new[] { Vm, Open }, tpgs.Select(t => t.Target));
        Assert.Equal("tpg1", tpgs[0].Tpg);
        Assert.False(tpgs[0].GenerateNodeAcls);
        Assert.True(tpgs[1].GenerateNodeAcls);
        Assert.Equal([HostA, "iqn.2026-01.lab:hostb"], tpgs[0].Acls);
        Assert.Equal(new LunInfo(0, "fileio/vm1"), Assert.Single(tpgs[0].Luns));
        Assert.Empty(tpgs[1].Acls);
    }

    [Fact]
    public void Sessions_Recorded_ParsesNamesIdsAndAddresses()
    {
        var sessions = TargetcliParser.ParseSessions(Recorded("sessions-detail.txt"));
        Assert.Equal([new SessionInfo("", HostA, "1", "0", "10.0.0.11"), new SessionInfo("", "iqn.2026-01.lab:hostb", "2", "0", "10.0.0.12")], sessions);
        Assert.Empty(TargetcliParser.ParseSessions("(no open sessions)\n"));
    }

    [Theory]
    [InlineData("No such path /iscsi")]
    [InlineData("")]
    [InlineData("o- backstores ...... [...]")]
    public void Tree_ForeignOutput_IsUnparsable(string output)
    {
        var ex = Assert.Throws<TargetException>(() => TargetcliParser.ParseTree(output));
        Assert.Equal(TargetErrorKind.UnparsableOutput, ex.Error.Kind);
    }

    [Fact]
    public async Task Fence_DeletesTheAclOnSafeTpgs_Saves_Verifies_AndRefusesTheGenAclsTpg()
    {
        bool deleted = false;
        var shell = new ScriptedShell(argv => string.Join(' ', argv) switch
        {
            "targetcli ls /iscsi" => (0, deleted
                ? Recorded("ls-iscsi.txt").Replace($"o- {HostA} ", "o- iqn.2026-01.lab:other ", StringComparison.Ordinal)
                : Recorded("ls-iscsi.txt"), ""),
            "targetcli sessions detail" => (0, deleted ? "alias: hostb\tsid: 2 type: Normal session-state: LOGGED_IN\n    name: iqn.2026-01.lab:hostb (NOT AUTHENTICATED)\n" : Recorded("sessions-detail.txt"), ""),
            var c when c == $"targetcli /iscsi/{Vm}/tpg1/acls delete {HostA}" => Delete(ref deleted),
            "targetcli saveconfig" => (0, "Configuration saved to /etc/target/saveconfig.json\n", ""),
            var other => throw new InvalidOperationException("unexpected command: " + other),
        });
        var driver = TargetDrivers.Create(new TargetOptions { Driver = "lio", LioMode = "targetcli" }, shell);

        var report = await driver.FenceAsync(HostA, CancellationToken.None);

        Assert.Equal(
            [
                ["targetcli", "ls", "/iscsi"],
                ["targetcli", "sessions", "detail"],
                ["targetcli", $"/iscsi/{Vm}/tpg1/acls", "delete", HostA],
                ["targetcli", "saveconfig"],
                ["targetcli", "ls", "/iscsi"],
                ["targetcli", "sessions", "detail"],
            ],
            shell.Received);
        Assert.Equal("1", Assert.Single(report.SessionsBefore).SessionId);
        Assert.Empty(report.SessionsAfter);
        Assert.True(report.HasUnsafeTarget);
        Assert.False(report.Verified, "a gen-acls TPG on the box means the fence cannot be complete");
        Assert.Contains(report.Problems, p => p.Contains("generate_node_acls=1", StringComparison.Ordinal) && p.Contains(Open, StringComparison.Ordinal));
        Assert.Equal("targetcli saveconfig", report.Persistence);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fence_OnSafeTpgs_IsVerifiedOnlyWhenTheReReadShowsNoAclAndNoSession(bool sessionStays)
    {
        string safeOnly = string.Join('\n', Recorded("ls-iscsi.txt").Split('\n').TakeWhile(l => !l.Contains("sn.open", StringComparison.Ordinal)));
        bool deleted = false;
        var shell = new ScriptedShell(argv => string.Join(' ', argv) switch
        {
            "targetcli ls /iscsi" => (0, deleted ? safeOnly.Replace($"o- {HostA} ", "o- iqn.2026-01.lab:other ", StringComparison.Ordinal) : safeOnly, ""),
            "targetcli sessions detail" => (0, deleted && !sessionStays
                ? "alias: hostb\tsid: 2 type: Normal session-state: LOGGED_IN\n    name: iqn.2026-01.lab:hostb (NOT AUTHENTICATED)\n"
                : Recorded("sessions-detail.txt"), ""),
            var c when c == $"targetcli /iscsi/{Vm}/tpg1/acls delete {HostA}" => Delete(ref deleted),
            "targetcli saveconfig" => (0, "", ""),
            var other => throw new InvalidOperationException("unexpected command: " + other),
        });
        var driver = TargetDrivers.Create(new TargetOptions { Driver = "lio", LioMode = "targetcli" }, shell);

        var report = await driver.FenceAsync(HostA, CancellationToken.None);

        Assert.False(report.HasUnsafeTarget);
        int sessionReads = shell.Received.Count(a => string.Join(' ', a) == "targetcli sessions detail");
        if (sessionStays)
        {
            Assert.False(report.Verified, "a live session after the delete is not a fence");
            Assert.Contains(report.Problems, p => p.Contains("still has a live session", StringComparison.Ordinal));
            Assert.Equal("1", Assert.Single(report.SessionsAfter, x => x.Initiator == HostA).SessionId);
            Assert.True(sessionReads > 2, $"the driver re-reads while the session is still listed ({sessionReads} reads)");
        }
        else
        {
            Assert.True(report.Verified, string.Join("; ", report.Problems));
            Assert.Empty(report.Problems);
            Assert.DoesNotContain(report.SessionsAfter, x => x.Initiator == HostA);
            Assert.Equal(2, sessionReads); // before, and the one re-read that found it gone
        }
    }

    [Fact]
    public async Task Grant_CreatesAclOnEveryTpgMissingIt_WithSudo_AndSaves()
    {
        string tree = Recorded("ls-iscsi.txt");
        string safeOnly = string.Join('\n', tree.Split('\n').TakeWhile(l => !l.Contains("sn.open", StringComparison.Ordinal)));
        bool created = false;
        var shell = new ScriptedShell(argv => string.Join(' ', argv.Skip(2)) switch
        {
            "targetcli ls /iscsi" => (0, created ? safeOnly.Replace("[ACLs: 2]\n", "[ACLs: 3]\n  |   | o- iqn.2026-01.lab:hostc ...... [Mapped LUNs: 1]\n", StringComparison.Ordinal) : safeOnly, ""),
            "targetcli sessions detail" => (0, "(no open sessions)\n", ""),
            var c when c == $"targetcli /iscsi/{Vm}/tpg1/acls create iqn.2026-01.lab:hostc" => Create(ref created),
            "targetcli saveconfig" => (0, "", ""),
            var other => throw new InvalidOperationException("unexpected command: " + other),
        });
        var driver = TargetDrivers.Create(new TargetOptions { Driver = "lio", LioMode = "targetcli", Sudo = true }, shell);

        var report = await driver.GrantAsync("iqn.2026-01.lab:hostc", CancellationToken.None);

        Assert.True(report.Verified, string.Join("; ", report.Problems));
        Assert.True(report.Changed);
        Assert.All(shell.Received, argv => Assert.Equal(["sudo", "-n"], argv[..2]));
        Assert.Contains(["sudo", "-n", "targetcli", $"/iscsi/{Vm}/tpg1/acls", "create", "iqn.2026-01.lab:hostc"], shell.Received);
    }

    [Fact]
    public async Task HostileInitiator_IsRefusedBeforeAnyCommand()
    {
        var shell = new ScriptedShell(_ => throw new InvalidOperationException("no command may run"));
        var driver = TargetDrivers.Create(new TargetOptions { Driver = "lio", LioMode = "targetcli" }, shell);
        var ex = await Assert.ThrowsAsync<TargetException>(() => driver.FenceAsync("iqn.2026-01.lab:a b;saveconfig", CancellationToken.None));
        Assert.Equal(TargetErrorKind.InvalidInput, ex.Error.Kind);
        Assert.Empty(shell.Received);
    }

    [Fact]
    public async Task Auto_UsesConfigfs_WhenTargetcliIsAbsent()
    {
        var shell = new ScriptedShell(argv => argv[2] == "command -v targetcli" ? (1, "", "") : (0, "noiscsi\n", ""));
        var driver = TargetDrivers.Create(new TargetOptions { Driver = "lio" }, shell);
        var inventory = await driver.ListAsync(CancellationToken.None);
        Assert.Empty(inventory.Targets);
        Assert.Equal("lio-configfs", driver.Kind);
        Assert.Equal(["sh", "-c", "command -v targetcli"], shell.Received[0]);
        Assert.Equal(["sh", "-c", LioConfigfsDriver.ListScript, "hawitness-lio", "/sys/kernel/config/target"], shell.Received[1]);
    }

    private static (int, string, string) Delete(ref bool deleted)
    {
        deleted = true;
        return (0, "Deleted Node ACL iqn.2026-01.lab:hosta.\n", "");
    }

    private static (int, string, string) Create(ref bool created)
    {
        created = true;
        return (0, "Created Node ACL for iqn.2026-01.lab:hostc\nCreated mapped LUN 0.\n", "");
    }
}
