using System.Globalization;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;

namespace HaWitness.Appliance.Tests.Cli;

/// <summary><c>hawitness target</c> as an operator or a script runs it: the real binary, over a real sshd, on a real tgtd.</summary>
public sealed class TargetCommandTests : IAsyncLifetime
{
    private const string Target = "iqn.2026-01.test.cli:vm";
    private const string HostA = "iqn.2026-01.test:hosta";
    private const string HostB = "iqn.2026-01.test:hostb";
    private readonly TempDir _dir = new();
    private TgtdFixture _tgtd = null!;
    private SshdFixture _sshd = null!;

    public async Task InitializeAsync()
    {
        _tgtd = await TgtdFixture.StartAsync();
        _sshd = await SshdFixture.StartAsync();
        Directory.CreateDirectory(_dir.File("conf.d"));
    }

    public async Task DisposeAsync()
    {
        await _tgtd.DisposeAsync();
        await _sshd.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Fence_PrintsWhatItFoundBeforeAndAfter_ExitsZeroWhenVerified_Journals_AndUnfenceReadmits()
    {
        await _tgtd.CreateTargetAsync(1, Target);
        await _tgtd.BindAsync(1, HostA);
        await _tgtd.BindAsync(1, HostB);
        using var session = QemuIoSession.Open(HostA, _tgtd.Portal, Target);
        session.Write(0xaa, 0);
        Assert.True(await session.WaitWrittenAsync(0, TimeSpan.FromSeconds(10)), session.Output);

        var (code, stdout, stderr) = await Hawitness("fence", "--initiator", HostA, "--host", "hypervisor-a", "--reason", "test fence");

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"before: in the ACL of 1 target(s): {Target}; 1 live session(s): {HostA} on {Target} sid", stdout, StringComparison.Ordinal);
        Assert.Contains("ran: tgtadm -C", stdout, StringComparison.Ordinal);
        Assert.Contains("after: in no target's ACL; no live session", stdout, StringComparison.Ordinal);
        Assert.Contains("FENCED (verified): hypervisor-a", stdout, StringComparison.Ordinal);
        Assert.Equal(10, await Initiator.InquiryAsync(HostA, _tgtd.Portal, Target));

        var (again, againOut, _) = await Hawitness("fence", "--initiator", HostA, "--host", "hypervisor-a");
        Assert.Equal(0, again);
        Assert.Contains("was already fenced", againOut, StringComparison.Ordinal);

        session.Dispose();
        var (unfence, unfenceOut, unfenceErr) = await Hawitness("unfence", "--initiator", HostA, "--host", "hypervisor-a");
        Assert.True(unfence == 0, unfenceOut + unfenceErr);
        Assert.Equal(0, await Initiator.InquiryAsync(HostA, _tgtd.Portal, Target));

        var (list, listOut, _) = await Hawitness("list");
        Assert.Equal(0, list);
        Assert.Contains($"target {Target} (tid 1)", listOut, StringComparison.Ordinal);
        Assert.Contains($"  acl {HostA}", listOut, StringComparison.Ordinal);

        using var journal = JournalStore.Open(Path.Combine(_dir.File("data"), JournalStore.FileName));
        Assert.Equal(
            [Outcome.Decided, Outcome.Succeeded, Outcome.Decided, Outcome.NoOp, Outcome.Decided, Outcome.Succeeded],
            journal.Decisions(new DecisionQuery(Subject: Subjects.Host("hypervisor-a"))).Reverse().Select(d => d.Outcome));
        Assert.Single(File.ReadAllLines(_dir.File("known_hosts")));
    }

    [Fact]
    public async Task Fence_OnATargetWithAnAllAcl_ExitsOne_AndSaysWhy()
    {
        await _tgtd.CreateTargetAsync(1, Target);
        await _tgtd.AdmAsync("--op", "bind", "--mode", "target", "--tid", "1", "--initiator-address", "ALL");

        var (code, stdout, stderr) = await Hawitness("fence", "--initiator", HostA);

        Assert.True(code == 1, stdout + stderr);
        Assert.Contains("has the address ACL ALL", stderr, StringComparison.Ordinal);
        Assert.Contains("FAILED", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("FENCED", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fence_WhenSshIsRefused_ExitsOne_WithTheTypedError()
    {
        var (code, _, stderr) = await HawitnessVia("fence", $"{_sshd.User}@127.0.0.1:{FreePort.Tcp()}", "--initiator", HostA);
        Assert.Equal(1, code);
        Assert.Contains("ConnectionRefused", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iqn.2026-01.test:a;reboot")]
    [InlineData("iqn.2026-01.test:$(reboot)")]
    [InlineData("iqn.2026-01.test:a b")]
    [InlineData("iqn.2026-01.test:a\nb")]
    public async Task HostileInitiator_ExitsTwo_BeforeAnythingIsTouched(string initiator)
    {
        var (code, _, stderr) = await Hawitness("fence", "--initiator", initiator);
        Assert.Equal(2, code);
        Assert.Contains("--initiator", stderr, StringComparison.Ordinal);
        Assert.Contains("refused", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("data")), "nothing is created");
        Assert.False(File.Exists(_dir.File("known_hosts")), "no SSH connection was made");
    }

    [Fact]
    public async Task BadSshDestination_ExitsTwo_NamingTheKey()
    {
        var (code, _, stderr) = await HawitnessVia("list", "root@host;reboot");
        Assert.Equal(2, code);
        Assert.Contains("Target:Ssh", stderr, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string StdOut, string StdErr)> Hawitness(string verb, params string[] extra) => HawitnessVia(verb, _sshd.Destination, extra);

    private Task<(int ExitCode, string StdOut, string StdErr)> HawitnessVia(string verb, string ssh, params string[] extra)
    {
        var args = new List<string> { "target", verb, "--driver", "tgt", "--ssh", ssh, "--ssh-key", _sshd.ClientKey, "--known-hosts", _dir.File("known_hosts"), "--data", _dir.File("data") };
        args.AddRange(extra);
        return TestProcess.RunAsync(Binaries.Appliance, args, TimeSpan.FromSeconds(60), new Dictionary<string, string>
        {
            ["HAWITNESS_Target__TgtControlPort"] = _tgtd.ControlPort.ToString(CultureInfo.InvariantCulture),
            ["HAWITNESS_Target__TgtConfDirectory"] = _dir.File("conf.d"),
        });
    }
}
