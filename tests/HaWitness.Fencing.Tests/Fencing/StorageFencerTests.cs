using System.Text.Json.Nodes;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using static HaWitness.Fencing.Tests.TgtLab;

namespace HaWitness.Fencing.Tests.Fencing;

/// <summary>The storage wall end to end: a fence through the driver over SSH, proven by the bytes of the LUN.</summary>
public sealed class StorageFencerTests : IAsyncLifetime
{
    private TgtLab _lab = null!;

    public async Task InitializeAsync() => _lab = await TgtLab.StartAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Theory]
    [InlineData(SshdLogin.CurrentUser)]
    [InlineData(SshdLogin.CleanShell)]
    public async Task Fence_StopsTheLiveWriter_RefusesItsLogin_KeepsHostB_AndUnfenceReadmitsIt(SshdLogin login)
    {
        if (login != SshdLogin.CurrentUser)
        {
            await _lab.DisposeAsync();
            _lab = await TgtLab.StartAsync(login);
        }

        string lun = await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.BindAsync(1, HostA);
        await _lab.Tgtd.BindAsync(1, HostB);
        using var journal = _lab.Journal();
        await using var shell = _lab.Shell();
        var fencer = new StorageFencer(_lab.Driver(shell), journal, new FencePolicy(2, TimeSpan.Zero));
        var requestA = new FenceRequest("a", HostA, "HostFailed committed at index 42");

        // Host A has a live session and writes.
        var a = QemuIoSession.Open(HostA, _lab.Tgtd.Portal, TargetName(1));
        a.Write(0xaa, 0);
        Assert.True(await a.WaitWrittenAsync(0, TimeSpan.FromSeconds(10)), a.Output);
        Assert.Equal([0xaa, 0xaa, 0xaa, 0xaa], Initiator.Peek(lun, 0));

        var fenced = await fencer.FenceAsync(requestA, CancellationToken.None);

        Assert.True(fenced.Verified, fenced.Summary);
        Assert.False(fenced.NoOp);
        Assert.Contains("1 live session(s) dropped", fenced.Summary, StringComparison.Ordinal);

        // The fenced session's next write never lands.
        a.Write(0xdd, 12288);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal([0, 0, 0, 0], Initiator.Peek(lun, 12288));
        Assert.False(await a.WaitWrittenAsync(12288, TimeSpan.Zero), "the fenced write must not be reported done");

        // A new login of A is refused; B keeps writing.
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
        var (bCode, bOut) = await Initiator.WriteOnceAsync(HostB, _lab.Tgtd.Portal, TargetName(1), 0xee, 16384);
        Assert.True(bCode == 0, bOut);
        Assert.Equal([0xee, 0xee, 0xee, 0xee], Initiator.Peek(lun, 16384));

        // Fencing again is a verified no-op.
        var again = await fencer.FenceAsync(requestA, CancellationToken.None);
        Assert.True(again.Verified);
        Assert.True(again.NoOp, again.Summary);

        // The stale writer is gone before A is admitted again (its queued write would land otherwise).
        a.Dispose();
        var unfenced = await fencer.UnfenceAsync(new FenceRequest("a", HostA, "agent back with generation 2, none of the moved VMs runs there"), CancellationToken.None);
        Assert.True(unfenced.Verified, unfenced.Summary);
        Assert.Equal(0, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
        Assert.Equal([0, 0, 0, 0], Initiator.Peek(lun, 12288));

        // The journal holds each step with its evidence.
        var rows = journal.Decisions(new DecisionQuery(Subject: Subjects.Host("a"))).Reverse().ToList();
        Assert.Equal(
            [
                (DecisionKinds.FenceHost, Outcome.Decided), (DecisionKinds.FenceHost, Outcome.Succeeded),
                (DecisionKinds.FenceHost, Outcome.Decided), (DecisionKinds.FenceHost, Outcome.NoOp),
                (DecisionKinds.UnfenceHost, Outcome.Decided), (DecisionKinds.UnfenceHost, Outcome.Succeeded),
            ],
            rows.Select(r => (r.Kind, r.Outcome)));
        var evidence = JsonNode.Parse(rows[1].EvidenceJson)!.AsObject();
        Assert.Equal(HostA, evidence["initiator"]!.GetValue<string>());
        Assert.Equal("HostFailed committed at index 42", evidence["reason"]!.GetValue<string>());
        Assert.Equal(HostA, evidence["sessionsBefore"]![0]!["initiator"]!.GetValue<string>());
        Assert.Empty(evidence["sessionsAfter"]!.AsArray());
        var commands = evidence["commands"]!.AsArray().Select(c => c!["command"]!.GetValue<string>()).ToList();
        Assert.Contains(commands, c => c.Contains("--op unbind", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.Contains("--op delete --mode conn", StringComparison.Ordinal));
        Assert.True(commands.FindIndex(c => c.Contains("--op unbind", StringComparison.Ordinal)) < commands.FindIndex(c => c.Contains("--op delete --mode conn", StringComparison.Ordinal)));
        var ssh = evidence["commands"]!.AsArray().Where(c => !c!["step"]!.GetValue<bool>()).Select(c => c!["command"]!.GetValue<string>()).ToList();
        Assert.Equal(3, ssh.Count); // nothing read before: a fence script that only reads, the fence script, the verifying read
        Assert.Contains("hawitness-tgt-fence", ssh[0], StringComparison.Ordinal);
        Assert.Contains("<no plan yet: read only>", ssh[0], StringComparison.Ordinal);
        Assert.Contains("hawitness-tgt-fence", ssh[1], StringComparison.Ordinal);
        Assert.Contains("hawitness-tgt-verify", ssh[2], StringComparison.Ordinal);
        Assert.True(evidence["elapsedMs"]!.GetValue<double>() > 0);
        Assert.True(evidence["verified"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Fence_ThatCannotBeVerified_IsRetried_ThenFailed_NeverReportedDone()
    {
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        await _lab.Tgtd.BindAsync(1, HostA);
        using var journal = _lab.Journal();
        await using var shell = _lab.Shell();
        // The ACL file cannot be written: the fence would not survive a restart, so it does not count.
        var fencer = new StorageFencer(_lab.Driver(shell, confDirectory: "/nonexistent/hawitness/conf.d"), journal, new FencePolicy(3, TimeSpan.Zero));

        var outcome = await fencer.FenceAsync(new FenceRequest("a", HostA, "test"), CancellationToken.None);

        Assert.False(outcome.Verified);
        Assert.Contains("FAILED after 3 attempt(s)", outcome.Summary, StringComparison.Ordinal);
        Assert.Contains("could not persist", outcome.Error, StringComparison.Ordinal);
        var last = journal.Decisions(new DecisionQuery(Subject: Subjects.Host("a"), Limit: 1)).Single();
        Assert.Equal(Outcome.Failed, last.Outcome);
        Assert.Equal(3, JsonNode.Parse(last.EvidenceJson)!["attempts"]!.AsArray().Count);
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
    }

    [Fact]
    public async Task Fence_WhenSshIsDown_IsFailedWithTheTypedError_AfterEveryAttempt()
    {
        using var journal = _lab.Journal();
        await using var shell = _lab.Shell(port: FreePort.Tcp());
        var fencer = new StorageFencer(_lab.Driver(shell), journal, new FencePolicy(2, TimeSpan.Zero));

        var outcome = await fencer.FenceAsync(new FenceRequest("a", HostA, "test"), CancellationToken.None);

        Assert.False(outcome.Verified);
        Assert.StartsWith("ConnectionRefused:", outcome.Error, StringComparison.Ordinal);
        var evidence = JsonNode.Parse(journal.Decisions(new DecisionQuery(Limit: 1)).Single().EvidenceJson)!;
        Assert.Equal(2, evidence["attempts"]!.AsArray().Count);
        Assert.Equal("ConnectionRefused", evidence["error"]!["kind"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("iqn.2026-01.test:a;reboot")]
    [InlineData("iqn.2026-01.test:$(reboot)")]
    [InlineData("iqn.2026-01.test:a\nb")]
    [InlineData("iqn.2026-01.test:'a'")]
    [InlineData("iqn.2026-01.test:a b")]
    public async Task HostileInitiator_IsRefused_Journaled_AndNothingRuns(string initiator)
    {
        using var journal = _lab.Journal();
        await using var shell = _lab.Shell();
        var fencer = new StorageFencer(_lab.Driver(shell), journal);

        var outcome = await fencer.FenceAsync(new FenceRequest("a", initiator, "test"), CancellationToken.None);

        Assert.False(outcome.Verified);
        Assert.StartsWith("InvalidInput:", outcome.Error, StringComparison.Ordinal);
        Assert.Equal(0, shell.Handshakes);
        var row = journal.Decisions(new DecisionQuery(Limit: 5)).Single();
        Assert.Equal(Outcome.Refused, row.Outcome);
        Assert.DoesNotContain("\\n", JsonNode.Parse(row.EvidenceJson)!["initiator"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grant_DecidedBeforeAFenceThatRanFirst_IsRefusedUnderTheLock_AndTheHostStaysCutOff()
    {
        await _lab.Tgtd.CreateTargetAsync(1, TargetName(1));
        using var journal = _lab.Journal();
        await using var shell = _lab.Shell();
        var fencer = new StorageFencer(_lab.Driver(shell), journal, new FencePolicy(2, TimeSpan.Zero));
        bool failed = false;

        // The grant was checked while the host was fine; its host fails and is fenced first.
        var grant = new FenceRequest("a", HostA, "join", () => failed ? "host a failed (HostFailed committed)" : null);
        var fence = fencer.FenceAsync(new FenceRequest("a", HostA, "HostFailed committed at index 7"), CancellationToken.None);
        failed = true;
        Assert.True((await fence).Verified);
        var granted = await fencer.GrantAsync(grant, CancellationToken.None);

        Assert.False(granted.Verified);
        Assert.Contains("no longer allowed: host a failed", granted.Summary + granted.Error, StringComparison.Ordinal);
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
        Assert.Contains(journal.Decisions(new DecisionQuery { Subject = "host:a", Kind = DecisionKinds.GrantInitiator }), d => d.Outcome == Outcome.Refused);

        // Allowed again (a later, legitimate grant): it lands.
        failed = false;
        Assert.True((await fencer.GrantAsync(grant, CancellationToken.None)).Verified);
        Assert.Equal(0, await Initiator.InquiryAsync(HostA, _lab.Tgtd.Portal, TargetName(1)));
    }
}
