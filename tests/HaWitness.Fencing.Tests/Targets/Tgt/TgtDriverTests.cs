using System.Globalization;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets;
using HaWitness.TestSupport;
using static HaWitness.Fencing.Tests.TgtLab;

namespace HaWitness.Fencing.Tests.Targets.Tgt;

/// <summary>The tgt driver over real SSH against a real tgtd, with real initiators.</summary>
public sealed class TgtDriverTests : IAsyncLifetime
{
    private TgtLab _lab = null!;

    public async Task InitializeAsync() => _lab = await TgtLab.StartAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task List_ShowsTargetsLunsAclsAndLiveSessions()
    {
        string lun = await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.BindAsync(1, HostA);
        using var session = QemuIoSession.Open(HostA, _lab.Tgtd.Portal, TargetName(1));
        session.Write(0xaa, 0);
        Assert.True(await session.WaitWrittenAsync(0, TimeSpan.FromSeconds(10)), session.Output);

        await using var shell = _lab.Shell();
        var inventory = await _lab.Driver(shell).ListAsync(CancellationToken.None);

        var t = Assert.Single(inventory.Targets);
        Assert.Equal((TargetName(1), "tid 1"), (t.Name, t.Locator));
        Assert.Equal([new LunInfo(1, lun)], t.Luns);
        Assert.Equal([HostA], t.Initiators);
        Assert.Null(t.UnsafeReason);
        var s = Assert.Single(inventory.SessionsOf(HostA));
        Assert.Equal((TargetName(1), "127.0.0.1"), (s.Target, s.Address));
    }

    [Fact]
    public async Task Fence_UnbindsFirst_ThenDeletesEachConnection_ThenVerifies_AndPersists()
    {
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.CreateTargetAsync(2, TargetName(2));
        foreach (int tid in new[] { 1, 2 })
        {
            await _lab.Tgtd.BindAsync(tid, HostA);
            await _lab.Tgtd.BindAsync(tid, HostB);
        }

        using var a1 = QemuIoSession.Open(HostA, _lab.Tgtd.Portal, TargetName(1));
        using var a2 = QemuIoSession.Open(HostA, _lab.Tgtd.Portal, TargetName(2));
        a1.Write(0x11, 0);
        a2.Write(0x22, 0);
        Assert.True(await a1.WaitWrittenAsync(0, TimeSpan.FromSeconds(10)));
        Assert.True(await a2.WaitWrittenAsync(0, TimeSpan.FromSeconds(10)));

        await using var shell = _lab.Shell();
        var report = await _lab.Driver(shell).FenceAsync(HostA, CancellationToken.None);

        Assert.True(report.Verified, string.Join("; ", report.Problems));
        Assert.True(report.Changed);
        Assert.Equal(2, report.SessionsBefore.Count);
        Assert.Empty(report.SessionsAfter);
        Assert.Equal([TargetName(1), TargetName(2)], report.GrantedBefore);
        Assert.Empty(report.GrantedAfter);
        var ops = report.Commands.Select(c => c.Command).ToList();
        int lastUnbind = ops.FindLastIndex(c => c.Contains("--op unbind", StringComparison.Ordinal));
        int firstDelete = ops.FindIndex(c => c.Contains("--op delete --mode conn", StringComparison.Ordinal));
        Assert.True(lastUnbind >= 0 && firstDelete > lastUnbind, "unbind on every target before any connection is deleted:\n" + string.Join('\n', ops));
        Assert.Equal(2, ops.Count(c => c.Contains("--op delete --mode conn", StringComparison.Ordinal)));
        Assert.Contains($"tgtadm -C {_lab.Tgtd.ControlPort.ToString(CultureInfo.InvariantCulture)} --lld iscsi --op unbind --mode target --tid 1 --initiator-name {HostA}", ops);

        string conf = await File.ReadAllTextAsync(Path.Combine(_lab.ConfDirectory, "hawitness.conf"));
        Assert.DoesNotContain(HostA, conf, StringComparison.Ordinal);
        Assert.Contains($"<target {TargetName(2)}>\n    initiator-address 0.0.0.0/32\n    initiator-name {HostB}\n</target>", conf, StringComparison.Ordinal);

        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(2)));
        Assert.Equal(0, await Initiator.InquiryAsync(HostB, _lab.Tgtd.Portal, TargetName(2)));
    }

    [Theory]
    [InlineData(SshdLogin.CurrentUser)]
    [InlineData(SshdLogin.CleanShell)]
    public async Task Fence_IsOneActingScript_ThenOneVerifyingRead_AndOneMoreReadWithNoListingYet(SshdLogin login)
    {
        await using var lab = await TgtLab.StartAsync(login);
        await lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await lab.Tgtd.BindAsync(1, HostA);
        await lab.Tgtd.BindAsync(1, HostB);
        using var a = QemuIoSession.Open(HostA, lab.Tgtd.Portal, TargetName(1));
        a.Write(0x11, 0);
        Assert.True(await a.WaitWrittenAsync(0, TimeSpan.FromSeconds(10)), a.Output);
        await using var shell = lab.Shell();

        // A driver that has read nothing yet: its first script only reads (touching nothing).
        var cold = await lab.Driver(shell).FenceAsync(HostA, CancellationToken.None);
        await lab.Tgtd.BindAsync(1, HostA);
        var driver = lab.Driver(shell);
        await driver.ListAsync(CancellationToken.None);
        var warm = await driver.FenceAsync(HostA, CancellationToken.None);

        Assert.True(cold.Verified, string.Join("; ", cold.Problems));
        Assert.True(warm.Verified, string.Join("; ", warm.Problems));
        Assert.Equal(3, cold.Commands.Count(c => !c.Step));
        Assert.Equal(["--op show --mode target"], cold.Commands.Where(c => c.Step && c.Ssh == 1).Select(c => c.Command[c.Command.IndexOf("--op", StringComparison.Ordinal)..]));
        Assert.Single(cold.SessionsBefore);
        var invocations = warm.Commands.Where(c => !c.Step).ToList();
        Assert.Equal(2, invocations.Count);
        Assert.StartsWith("sh -c '<fence script>' hawitness-tgt-fence ", invocations[0].Command, StringComparison.Ordinal);
        Assert.StartsWith("sh -c '<verify script>' hawitness-tgt-verify ", invocations[1].Command, StringComparison.Ordinal);
        Assert.Contains(warm.Commands, c => c.Step && c.Ssh == 1 && c.Command.Contains("--op unbind --mode target --tid 1 --initiator-name " + HostA, StringComparison.Ordinal));
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, lab.Tgtd.Portal, TargetName(1)));
        Assert.Equal(0, await Initiator.InquiryAsync(HostB, lab.Tgtd.Portal, TargetName(1)));
        Assert.Equal(1, shell.Handshakes);
    }

    [Fact]
    public async Task Fence_IsVerifiedOnAFreshRead_ARebindBetweenTheActAndTheCheckIsCaught()
    {
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.BindAsync(1, HostA);
        await using var ssh = _lab.Shell();
        // Someone grants A again right after the fence script returned (it saw A unbound).
        await using var shell = new AfterScriptShell(ssh, "hawitness-tgt-fence", () => _lab.Tgtd.BindAsync(1, HostA));
        var driver = _lab.Driver(shell);
        await driver.ListAsync(CancellationToken.None);

        var report = await driver.FenceAsync(HostA, CancellationToken.None);

        Assert.Contains(report.Commands, c => c.Step && c.Command.Contains("--op unbind", StringComparison.Ordinal) && c.ExitCode == 0);
        Assert.False(report.Verified);
        Assert.Contains(report.Problems, p => p.Contains("still in its ACL", StringComparison.Ordinal));
        Assert.Equal([TargetName(1)], report.GrantedAfter);
    }

    [Fact]
    public async Task Fence_HostileAclEntriesOnTheBox_TravelAsData_AndTheirTargetIsNotTouched()
    {
        string pwned = _lab.Dir.File("pwned");
        string hostile = $"iqn.x:$(touch {pwned}) it's `touch {pwned}`;touch {pwned}";
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.CreateTargetAsync(2, TargetName(2));
        await _lab.Tgtd.BindAsync(1, HostA);
        await _lab.Tgtd.BindAsync(2, HostA);
        await _lab.Tgtd.AdmAsync("--op", "bind", "--mode", "target", "--tid", "2", "--initiator-name", hostile);
        await using var shell = _lab.Shell();
        var driver = _lab.Driver(shell);
        await driver.ListAsync(CancellationToken.None);

        var report = await driver.FenceAsync(HostA, CancellationToken.None);

        Assert.False(report.Verified); // target 2 cannot be managed, and says so
        Assert.True(report.HasUnsafeTarget);
        Assert.Contains(report.Problems, p => p.Contains($"target {TargetName(2)} (tid 2) has the ACL entry", StringComparison.Ordinal));
        Assert.Equal(2, report.Commands.Count(c => !c.Step)); // the hostile entry was in the plan's ACL map, matched, and ran nothing
        Assert.DoesNotContain(report.Commands, c => c.Command.Contains("--tid 2", StringComparison.Ordinal));
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
        Assert.Contains(hostile, await _lab.Tgtd.AdmAsync("--op", "show", "--mode", "target"), StringComparison.Ordinal);
        Assert.False(File.Exists(pwned));
    }

    [Fact]
    public async Task Fence_AlreadyFencedHost_IsAVerifiedNoOp_ThatChangesNothing()
    {
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.BindAsync(1, HostB);
        await using var shell = _lab.Shell();

        var report = await _lab.Driver(shell).FenceAsync(HostA, CancellationToken.None);

        Assert.True(report.Verified);
        Assert.False(report.Changed);
        Assert.DoesNotContain(report.Commands, c => c.Command.Contains("--op unbind", StringComparison.Ordinal) || c.Command.Contains("--op delete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fence_WithAnAllAddressAcl_RefusesThatTarget_CutsTheOthers_AndIsNotVerified()
    {
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.CreateTargetAsync(2, TargetName(2));
        await _lab.Tgtd.BindAsync(1, HostA);
        await _lab.Tgtd.AdmAsync("--op", "bind", "--mode", "target", "--tid", "2", "--initiator-address", "ALL");
        await using var shell = _lab.Shell();

        var report = await _lab.Driver(shell).FenceAsync(HostA, CancellationToken.None);

        Assert.False(report.Verified);
        Assert.True(report.HasUnsafeTarget);
        Assert.Contains(report.Problems, p => p.Contains($"target {TargetName(2)} (tid 2) has the address ACL ALL", StringComparison.Ordinal));
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
        Assert.DoesNotContain(report.Commands, c => c.Command.Contains("--tid 2 --initiator", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Grant_BindsOnEveryTarget_ThenTheHostLogsIn()
    {
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.CreateTargetAsync(2, TargetName(2));
        await _lab.Tgtd.BindAsync(2, HostA);
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
        await using var shell = _lab.Shell();
        var driver = _lab.Driver(shell);

        var report = await driver.GrantAsync(HostA, CancellationToken.None);
        var again = await driver.GrantAsync(HostA, CancellationToken.None);

        Assert.True(report.Verified, string.Join("; ", report.Problems));
        Assert.Single(report.Commands, c => c.Command.Contains("--op bind", StringComparison.Ordinal));
        Assert.Equal([TargetName(1), TargetName(2)], report.GrantedAfter);
        Assert.False(again.Changed);
        Assert.Equal(0, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
    }

    [Fact]
    public async Task PersistedAcls_SurviveATgtdRestart_ThroughTgtAdmin()
    {
        string lun = await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.BindAsync(1, HostA);
        await _lab.Tgtd.BindAsync(1, HostB);
        await using (var shell = _lab.Shell())
        {
            Assert.True((await _lab.Driver(shell).FenceAsync(HostA, CancellationToken.None)).Verified);
        }

        // The storage box reboots: tgtd starts empty and tgt-admin loads the config, whose main
        // file (the operator's) defines the LUN and includes conf.d, where hawitness.conf is.
        _lab.Tgtd.Kill();
        await using var restarted = await TgtdFixture.StartAsync();
        string main = _lab.Dir.File("targets.conf");
        await File.WriteAllTextAsync(main, $"include {_lab.ConfDirectory}/*.conf\n<target {TargetName(1)}>\n    backing-store {lun}\n</target>\n");
        var (code, stdout, stderr) = await ProcessRunner.RunAsync("tgt-admin", ["-C", restarted.ControlPort.ToString(CultureInfo.InvariantCulture), "-c", main, "-e"]);
        Assert.True(code == 0, stdout + stderr);

        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, restarted.Portal, TargetName(1)));
        Assert.Equal(0, await Initiator.InquiryAsync(HostB, restarted.Portal, TargetName(1)));
    }

    /// <summary>Runs <c>after</c> once the named script's invocation has returned.</summary>
    private sealed class AfterScriptShell(IRemoteShell inner, string script, Func<Task> after) : IRemoteShell
    {
        public string Destination => inner.Destination;

        public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
        {
            var result = await inner.RunAsync(argv, cancellationToken);
            if (argv.Count > 3 && argv[3] == script)
            {
                await after();
            }

            return result;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
