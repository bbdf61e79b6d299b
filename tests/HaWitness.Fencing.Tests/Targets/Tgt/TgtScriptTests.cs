using System.Text.RegularExpressions;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets;
using HaWitness.Fencing.Targets.Tgt;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Fencing.Tests.Targets.Tgt;

/// <summary>
/// The tgt fence's two remote scripts run for real by sh, against a fake tgtadm that gives the
/// answers a real tgtd will not give on demand (stale plans, failing and "already done" steps,
/// a session that stays listed, hostile ACL entries, replayed answers).
/// </summary>
public sealed class TgtScriptTests : IAsyncLifetime
{
    private const string A = "iqn.2026-01.test:hosta";
    private const string B = "iqn.2026-01.test:hostb";
    private FakeTgtHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new FakeTgtHost();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AwkAclMap_IsTheParsersMap_OnRecordedOutput_AndOnHostileEntries_WhichStayData()
    {
        string pwned = Path.Combine(Path.GetTempPath(), "hawitness-pwned-" + Guid.NewGuid().ToString("N"));
        string hostile = Listing(1, "iqn.2026-01.test:t1", [A, B], nexus: null) +
            Listing(2, "weird target 'name' $(touch " + pwned + ")", ["ALL", "it's", "a;touch " + pwned, "$(touch " + pwned + ")", "`touch " + pwned + "`", "*", "x\ty"], nexus: null);
        foreach (string listing in new[] { Recorded("show-target.txt"), hostile, string.Empty })
        {
            _host.Targets(listing);
            string nonce = ScriptOutput.NewNonce();
            var r = await _host.RunAsync(["sh", "-c", TgtScripts.Fence, TgtScripts.FenceName, nonce, "0", A, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty], CancellationToken.None);

            var blocks = ScriptOutput.Parse(r.StdOut, nonce, TgtScripts.FenceName);
            Assert.Equal(["read", "stale", "end"], blocks.Select(b => b.Kind));
            Assert.Equal("stale", blocks[^1].Fields[0]);
            Assert.Equal(TgtScripts.Map(TgtadmParser.ParseTargets(listing)), blocks[1].Body);
        }

        Assert.Empty(_host.Calls);
        Assert.False(File.Exists(pwned));
    }

    [Fact]
    public async Task Fence_FromAStalePlan_TouchesNothing_ThenActsOnTheScriptsOwnRead()
    {
        var driver = Driver();
        _host.Targets(Listing(1, "iqn.2026-01.test:t1", [A, B], nexus: A), read: 0);
        await driver.ListAsync(CancellationToken.None); // the plan's basis: A on t1 only

        // Since then A was granted on t3 as well: the first script must see that and touch nothing.
        string now = Listing(1, "iqn.2026-01.test:t1", [A, B], nexus: A) + Listing(3, "iqn.2026-01.test:t3", [A], nexus: null);
        _host.Targets(now, read: 1).Targets(now, read: 2).Targets(Listing(1, "iqn.2026-01.test:t1", [B], null) + Listing(3, "iqn.2026-01.test:t3", [], null));
        _host.Connections(1, "Session: 7\n    Connection: 0\n        Initiator: " + A + "\n        IP Address: 127.0.0.1\n");

        var report = await driver.FenceAsync(A, CancellationToken.None);

        Assert.True(report.Verified, string.Join("; ", report.Problems));
        Assert.Equal(["unbind target 1", "unbind target 3", "delete conn 1"], _host.Calls);
        var invocations = report.Commands.Where(c => !c.Step).ToList();
        Assert.Equal(3, invocations.Count); // stale fence script, fence script, verify script
        Assert.Contains("<ACL map: 1 target(s), 2 ACL entries>", invocations[0].Command, StringComparison.Ordinal);
        Assert.Equal(["--op show --mode target"], StepsOf(report, 1).Select(Op));
        Assert.Equal(
            ["--op show --mode target", "--op unbind --mode target", "--op unbind --mode target", "--op show --mode conn", "--op delete --mode conn", "--op show --mode conn", "write"],
            StepsOf(report, 2).Select(Op));
        Assert.Equal(["iqn.2026-01.test:t1", "iqn.2026-01.test:t3"], report.GrantedBefore);
        Assert.Single(report.SessionsBefore);
        Assert.Equal($"<target iqn.2026-01.test:t1>\n    initiator-address 0.0.0.0/32\n    initiator-name {B}\n</target>",
            File.ReadAllText(Path.Combine(_host.ConfDirectory, "hawitness.conf")).Split("\n\n")[1].TrimEnd());
    }

    [Fact]
    public async Task Fence_WithNoPlanYet_ReadsFirst_ThenActs_AndTheNextFenceUsesItsVerifyingRead()
    {
        var driver = Driver();
        _host.Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: null), read: 0).Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: null), read: 1)
            .Targets(Listing(1, "iqn.2026-01.test:t1", [], nexus: null));

        var first = await driver.FenceAsync(A, CancellationToken.None);
        var second = await driver.FenceAsync(A, CancellationToken.None);

        Assert.True(first.Verified && second.Verified);
        Assert.Equal(3, first.Commands.Count(c => !c.Step));
        Assert.Contains("<no plan yet: read only>", first.Commands[0].Command, StringComparison.Ordinal);
        Assert.Equal(2, second.Commands.Count(c => !c.Step));
        Assert.False(second.Changed);
        Assert.Equal(["unbind target 1"], _host.Calls);
    }

    [Fact]
    public async Task Fence_AcceptsAlreadyUnbound_AndSessionAlreadyGone()
    {
        var driver = Driver();
        _host.Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: A), read: 0).Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: A), read: 1)
            .Targets(Listing(1, "iqn.2026-01.test:t1", [], null))
            .Connections(1, "Session: 7\n    Connection: 2\n        Initiator: " + A + "\n")
            .Fail("unbind", "tgtadm: this access control rule does not exist")
            .Fail("delete", "tgtadm: can't find the session");
        await driver.ListAsync(CancellationToken.None);

        var report = await driver.FenceAsync(A, CancellationToken.None);

        Assert.True(report.Verified, string.Join("; ", report.Problems));
        Assert.Contains(report.Commands, c => c.Step && c.ExitCode == 22 && c.Note == "already unbound");
        Assert.Contains(report.Commands, c => c.Step && c.ExitCode == 22 && c.Note == "session already gone" && c.Command.EndsWith("--tid 1 --sid 7 --cid 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fence_StopsAtTheFirstFailingUnbind_BeforeAnySessionIsDroppedOrTheFileWritten()
    {
        var driver = Driver();
        string both = Listing(1, "iqn.2026-01.test:t1", [A], nexus: A) + Listing(2, "iqn.2026-01.test:t2", [A], nexus: A);
        _host.Targets(both).Connections(1, "Session: 7\n    Connection: 0\n        Initiator: " + A + "\n").Fail("unbind", "tgtadm: out of memory");
        await driver.ListAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<TargetException>(() => driver.FenceAsync(A, CancellationToken.None));

        Assert.Equal(TargetErrorKind.NonZeroExit, ex.Error.Kind);
        Assert.Contains("--op unbind --mode target --tid 1", ex.Error.Message, StringComparison.Ordinal);
        Assert.Contains("out of memory", ex.Error.Message, StringComparison.Ordinal);
        Assert.Equal(["unbind target 1"], _host.Calls);
        Assert.False(File.Exists(Path.Combine(_host.ConfDirectory, "hawitness.conf")));
    }

    [Fact]
    public async Task Verify_ReReadsWhileTheSessionIsListed_ThenReportsWhatIsStillThere()
    {
        var driver = Driver();
        _host.Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: A), read: 0).Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: A), read: 1)
            .Targets(Listing(1, "iqn.2026-01.test:t1", [], nexus: A)) // the session stays listed
            .Connections(1, "Session: 7\n    Connection: 0\n        Initiator: " + A + "\n");
        await driver.ListAsync(CancellationToken.None);

        var report = await driver.FenceAsync(A, CancellationToken.None);

        Assert.False(report.Verified);
        Assert.Contains(report.Problems, p => p.Contains("a session is still listed", StringComparison.Ordinal));
        Assert.Equal(3, StepsOf(report, 2).Count()); // a read and the 2 re-reads allowed
        Assert.Single(report.SessionsAfter);
    }

    [Fact]
    public async Task Verify_AReplayedAnswer_IsNeverTakenForAFreshRead()
    {
        // The verify invocation is answered with the fence script's own output (which shows A gone
        // from nowhere but is not this invocation's): refused, whatever it says.
        await using var replay = new ReplayingShell(_host, TgtScripts.VerifyName, TgtScripts.FenceName);
        var driver = Driver(replay);
        _host.Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: null), read: 0).Targets(Listing(1, "iqn.2026-01.test:t1", [A], nexus: null), read: 1)
            .Targets(Listing(1, "iqn.2026-01.test:t1", [], nexus: null));
        await driver.ListAsync(CancellationToken.None);

        var ex = await Assert.ThrowsAsync<TargetException>(() => driver.FenceAsync(A, CancellationToken.None));
        Assert.Equal(TargetErrorKind.UnparsableOutput, ex.Error.Kind);
        Assert.Contains("nonce", ex.Error.Message, StringComparison.Ordinal);

        // An earlier verification's answer (a stale one) is refused the same way.
        await using var stale = new ReplayingShell(_host, TgtScripts.VerifyName, TgtScripts.VerifyName);
        var again = Driver(stale);
        await again.FenceAsync(A, CancellationToken.None);
        ex = await Assert.ThrowsAsync<TargetException>(() => again.FenceAsync(A, CancellationToken.None));
        Assert.Equal(TargetErrorKind.UnparsableOutput, ex.Error.Kind);
    }

    [Fact]
    public async Task EveryRemoteCommand_IsAConstantScript_WithTheValuesOnlyAsArguments()
    {
        var driver = Driver();
        _host.Targets(Listing(1, "iqn.2026-01.test:t1", [A, B], nexus: A), read: 0).Targets(Listing(1, "iqn.2026-01.test:t1", [A, B], nexus: A), read: 1)
            .Targets(Listing(1, "iqn.2026-01.test:t1", [B], nexus: null))
            .Connections(1, "Session: 7\n    Connection: 0\n        Initiator: " + A + "\n");
        Assert.True((await driver.FenceAsync(A, CancellationToken.None)).Verified);

        Assert.Equal(3, _host.Received.Count); // no plan yet: read; act; verify
        foreach (var argv in _host.Received)
        {
            Assert.Equal("sh", argv[0]);
            Assert.Equal("-c", argv[1]);
            Assert.True(argv[2] == TgtScripts.Fence || argv[2] == TgtScripts.Verify);
            Assert.Equal(argv[2] == TgtScripts.Fence ? TgtScripts.FenceName : TgtScripts.VerifyName, argv[3]);
            Assert.Equal(A, argv[6]);
        }

        Assert.DoesNotContain(A, TgtScripts.Fence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iqn.2026-01.test:a;reboot")]
    [InlineData("iqn.2026-01.test:$(reboot)")]
    [InlineData("iqn.2026-01.test:'a'")]
    [InlineData("iqn.2026-01.test:a\nb")]
    public async Task HostileInitiator_IsRefusedByTheDriver_BeforeAnyScriptRuns(string initiator)
    {
        var ex = await Assert.ThrowsAsync<TargetException>(() => Driver().FenceAsync(initiator, CancellationToken.None));
        Assert.Equal(TargetErrorKind.InvalidInput, ex.Error.Kind);
        Assert.Empty(_host.Received);
    }

    [Theory]
    [InlineData("hello\n", "text before the first marker")]
    [InlineData("@@0123 read 0 5\n@@0123 end done\n", "nonce")]
    [InlineData("@@N read 0 5\nTarget 1: x\n", "end marker")]
    [InlineData("@@N end done\n@@N end done\n", "more than one end")]
    [InlineData("", "no output")]
    public void ScriptOutput_RefusesWhatIsNotThisInvocationsCompleteOutput(string stdout, string why)
    {
        const string nonce = "00112233445566778899aabbccddeeff";
        var ex = Assert.Throws<TargetException>(() => ScriptOutput.Parse(stdout.Replace("@@N ", "@@" + nonce + " ", StringComparison.Ordinal), nonce, "test"));
        Assert.Equal(TargetErrorKind.UnparsableOutput, ex.Error.Kind);
        Assert.Contains(why, ex.Error.Message, StringComparison.Ordinal);
    }

    private static string Op(CommandRecord c) =>
        c.Command.StartsWith("write ", StringComparison.Ordinal) ? "write" : Regex.Match(c.Command, "--op [a-z]+ --mode [a-z]+").Value;

    private static IEnumerable<CommandRecord> StepsOf(DriverReport report, int ssh) => report.Commands.Where(c => c.Step && c.Ssh == ssh);

    private static string Recorded(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Targets", "Tgt", "Recorded", name));

    private static string Listing(int tid, string name, string[] acls, string? nexus)
    {
        string n = nexus is null ? string.Empty : $"        I_T nexus: 7\n            Initiator: {nexus} alias: none\n            Connection: 0\n                IP Address: 127.0.0.1\n";
        return $"Target {tid}: {name}\n    System information:\n        Driver: iscsi\n        State: ready\n    I_T nexus information:\n{n}    LUN information:\n        LUN: 0\n            Type: controller\n    Account information:\n    ACL information:\n" +
            string.Concat(acls.Select(a => "        " + a + "\n"));
    }

    private TgtDriver Driver(IRemoteShell? shell = null) =>
        new(shell ?? _host, new TgtSettings(0, _host.ConfDirectory, SettleAttempts: 2, SettleDelay: TimeSpan.FromMilliseconds(10)), TimeProvider.System, NullLogger.Instance);

    /// <summary>Answers invocations of script <c>victim</c> with the last answer to script <c>source</c> (a replay).</summary>
    private sealed class ReplayingShell(IRemoteShell inner, string victim, string source) : IRemoteShell
    {
        private CommandResult? _last;

        public string Destination => inner.Destination;

        public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
        {
            string name = argv.Count > 3 ? argv[3] : string.Empty;
            if (name == victim && _last is not null)
            {
                return _last;
            }

            var result = await inner.RunAsync(argv, cancellationToken);
            if (name == source)
            {
                _last = result;
            }

            return result;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
