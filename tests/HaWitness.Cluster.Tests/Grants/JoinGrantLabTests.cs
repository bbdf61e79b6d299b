using System.Net;
using System.Text.Json.Nodes;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Fencing;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Cluster.Tests.Grants;

/// <summary>
/// A join's grant against a real tgtd reached through a real sshd: the target's SSH endpoint is
/// unreachable when the host joins, so the first grant fails; the host stays registered, the
/// failure is journaled and alarmed, and the retry after the first pause (a fake clock moved by
/// the test) lands, verified, and the host's initiator logs in.
/// </summary>
public sealed class JoinGrantLabTests : IAsyncLifetime
{
    private const string ApplianceRaft = "127.0.0.1:7400";
    private const string Iqn = "iqn.2026-12.lab:host-a";
    private const string Target = "iqn.2026-01.test.lab:t1";
    private readonly TempDir _dir = new("hawitness-joingrant");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private TgtdFixture _tgtd = null!;
    private SshdFixture _sshd = null!;

    public async Task InitializeAsync()
    {
        _tgtd = await TgtdFixture.StartAsync();
        _sshd = await SshdFixture.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _tgtd.DisposeAsync();
        await _sshd.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task JoinGrant_WhileTheTargetsSshIsUnreachable_IsRetried_AndLandsVerified()
    {
        await _tgtd.CreateTargetAsync(1, Target);
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(Iqn, _tgtd.Portal, Target)); // no ACL for it yet

        int relayPort = FreePort.Tcp(); // nothing listens there yet: the SSH connection is refused
        await using var shell = new SshRemoteShell(new SshSettings(
            new SshDestination(_sshd.User, "127.0.0.1", relayPort), _sshd.ClientKey, _dir.File("known_hosts"), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20)));
        Directory.CreateDirectory(_dir.File("conf.d"));
        var driver = TargetDrivers.Create(new TargetOptions
        {
            Driver = "tgt",
            Ssh = $"{_sshd.User}@127.0.0.1:{relayPort}",
            TgtControlPort = _tgtd.ControlPort,
            TgtConfDirectory = _dir.File("conf.d"),
        }, shell);
        using var journal = JournalStore.Open(_dir.File("journal.db"), _time);
        var fencer = new StorageFencer(driver, journal, new FencePolicy(1, TimeSpan.Zero));
        var log = new StateLog();
        var alarms = new RecordingGrantAlarms();
        using var grants = new StorageGrants(log, fencer, d => journal.Append(d), alarms, _time, GrantPolicy.Default);
        using var ca = ClusterCa.LoadOrCreate(_dir.Path);
        var token = new JoinToken(_dir.Path, _time);
        var joins = new JoinService(token, new MemberKeys(_dir.Path), ca, log, new AcceptingMembership(IPEndPoint.Parse(ApplianceRaft)), journal,
            new LeaseOptions(), ApplianceRaft, () => true, NullLogger<JoinService>.Instance, grants, _time);

        string keyDir = _dir.File("agent-key");
        Directory.CreateDirectory(keyDir);
        using var identity = MemberIdentity.LoadOrCreate(keyDir);
        var join = joins.Join(new JoinRequest(token.GetOrCreate(), "host-a", "127.0.0.1:7001", "127.0.0.1:7002", Iqn, "sim", 4, 4096, "gen-00000001", 3000,
            identity.CreateSigningRequestPem("host-a")), "10.0.0.1");
        Assert.Equal(200, join.Status);

        var admit = await joins.AdmitAsync(new AdmitRequest("host-a", "gen-00000001"), join.Value!.MemberKey, "10.0.0.1", CancellationToken.None);

        // Admitted and registered, but the grant's first try failed: journaled, alarmed, retried.
        Assert.Equal(200, admit.Status);
        Assert.Equal(HostPhase.Active, log.View.Hosts["host-a"].Phase);
        var retry = grants.InFlight("host-a");
        Assert.NotNull(retry);
        var failed = Assert.Single(alarms.Raised);
        Assert.Contains("try 1", failed.Summary, StringComparison.Ordinal);
        Assert.Contains("next try in 1 s", failed.Summary, StringComparison.Ordinal);
        Assert.Equal(Initiator.LoginRefused, await Initiator.InquiryAsync(Iqn, _tgtd.Portal, Target));

        // The target's SSH endpoint comes back; the pause ends on the clock.
        await using var relay = new TcpRelay(relayPort, _sshd.Port);
        _time.Advance(GrantPolicy.Default.Backoff(1));
        var landed = await retry.WaitAsync(TimeSpan.FromMinutes(2)); // a hang guard, not a timing assertion

        Assert.True(landed.Verified, landed.Summary);
        Assert.Equal(2, landed.Try);
        Assert.Single(alarms.Raised);
        Assert.Equal(0, await Initiator.InquiryAsync(Iqn, _tgtd.Portal, Target)); // it logs in now

        // The path's rows (the fencer's own GrantInitiator rows are interleaved with theirs).
        var rows = journal.Decisions(new DecisionQuery(Subject: Subjects.Host("host-a"), Kind: DecisionKinds.GrantInitiator)).Reverse()
            .Select(r => (r.Outcome, Evidence: JsonNode.Parse(r.EvidenceJson)!.AsObject()))
            .Where(r => r.Evidence["path"]?.GetValue<string>() == "grant")
            .ToList();
        Assert.Equal([Outcome.Decided, Outcome.Failed, Outcome.Decided, Outcome.Succeeded], rows.Select(r => r.Outcome));
        Assert.Equal("ConnectionRefused", rows[1].Evidence["error"]!["kind"]!.GetValue<string>());
        Assert.True(rows[3].Evidence["verified"]!.GetValue<bool>());
        Assert.Contains(rows[3].Evidence["commands"]!.AsArray(), c => c!["command"]!.GetValue<string>().Contains("--op bind", StringComparison.Ordinal));
    }
}
