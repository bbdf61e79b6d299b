using System.Text.Json.Nodes;
using System.Threading.Channels;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Cluster.Tests.Grants;

/// <summary>
/// The grant path on a fake clock, with a real state machine and a real SQLite journal; the target
/// is a test double that fails a given number of times, then grants.
/// </summary>
public sealed class StorageGrantsTests : IDisposable
{
    private const string Iqn = "iqn.2026-12.lab:host-a";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60); // a hang guard, not a timing assertion
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly JournalStore _journal;
    private readonly StateLog _log = new();
    private readonly RecordingGrantAlarms _alarms = new();

    public StorageGrantsTests()
    {
        _journal = JournalStore.Open(_dir.File("journal.db"), _time);
        Assert.True(_log.Apply(new RegisterHost("host-a", "127.0.0.1:7001", "127.0.0.1:7002", Iqn, "sim", 4, 4096, "g1", "id-a", 3000)).Applied);
    }

    public void Dispose()
    {
        _journal.Dispose();
        _dir.Dispose();
    }

    private StorageGrants Grants(FailingThenGrantingFencer fencer, int maxTries = 20) =>
        new(_log, fencer, d => _journal.Append(d), _alarms, _time, new GrantPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15), maxTries));

    private List<DecisionRecord> Rows() => [.. _journal.Decisions(new DecisionQuery(Subject: Subjects.Host("host-a"))).Reverse()];

    [Fact]
    public async Task JoinGrant_FailingTwice_IsRetriedAfterDoublingPauses_AlarmedEachTime_AndSucceedsOnce()
    {
        var fencer = new FailingThenGrantingFencer(failures: 2);
        using var grants = Grants(fencer);
        var tries = Channel.CreateUnbounded<GrantTry>();
        using var guard = new CancellationTokenSource(Guard);

        var (first, final) = grants.Begin(GrantRequest.Join("host-a", Iqn, "g1", "host joined (generation g1)"), t => tries.Writer.TryWrite(t));

        var t1 = await tries.Reader.ReadAsync(guard.Token);
        Assert.Same(t1, await first);
        Assert.True(t1.Failed);
        Assert.Equal(TimeSpan.FromSeconds(1), t1.NextTryIn);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, fencer.Count); // the pause is not over
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var t2 = await tries.Reader.ReadAsync(guard.Token);
        Assert.Equal((2, true), (t2.Try, t2.Failed));
        Assert.Equal(TimeSpan.FromSeconds(2), t2.NextTryIn); // doubled
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(2, fencer.Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var t3 = await tries.Reader.ReadAsync(guard.Token);
        Assert.Same(t3, await final);
        Assert.True(t3.Verified, t3.Summary);
        Assert.Equal(3, t3.Try);
        Assert.Null(grants.InFlight("host-a"));

        // Every call was a grant of the host's initiator (a join's, not an unfence).
        Assert.All(fencer.Calls, c => Assert.Equal(("grant", "host-a", Iqn), (c.Method, c.Request.Host, c.Request.InitiatorIqn)));
        Assert.Equal(3, fencer.Count);

        // One alarm per failed try, none for the success.
        Assert.Equal(2, _alarms.Raised.Count);
        Assert.All(_alarms.Raised, a => Assert.Equal("host-a", a.Host));
        Assert.Contains("try 1", _alarms.Raised.First().Summary, StringComparison.Ordinal);

        // Each try journaled: decided, then failed with evidence, and one success.
        var rows = Rows();
        Assert.Equal(
            [
                (DecisionKinds.GrantInitiator, Outcome.Decided), (DecisionKinds.GrantInitiator, Outcome.Failed),
                (DecisionKinds.GrantInitiator, Outcome.Decided), (DecisionKinds.GrantInitiator, Outcome.Failed),
                (DecisionKinds.GrantInitiator, Outcome.Decided), (DecisionKinds.GrantInitiator, Outcome.Succeeded),
            ],
            rows.Select(r => (r.Kind, r.Outcome)));
        var failed = JsonNode.Parse(rows[1].EvidenceJson)!.AsObject();
        Assert.Equal(1, failed["try"]!.GetValue<int>());
        Assert.Equal(1000, failed["nextTryInMs"]!.GetValue<long>());
        Assert.False(failed["verified"]!.GetValue<bool>());
        Assert.Equal("join", failed["purpose"]!.GetValue<string>());
        Assert.Contains("does not show", failed["grantError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, failed["call"]!.GetValue<int>()); // the fencer's own evidence is kept
        Assert.Equal(2000, JsonNode.Parse(rows[3].EvidenceJson)!["nextTryInMs"]!.GetValue<long>());
        Assert.Equal(3, JsonNode.Parse(rows[5].EvidenceJson)!["try"]!.GetValue<int>());
        Assert.Single(rows, r => r.Outcome == Outcome.Succeeded);

        // The tries are the pauses apart on the clock the journal stamps.
        Assert.Equal(TimeSpan.FromSeconds(1), rows[2].Time - rows[1].Time);
        Assert.Equal(TimeSpan.FromSeconds(2), rows[4].Time - rows[3].Time);
    }

    [Fact]
    public async Task JoinGrant_StopsAtItsBound_AndSaysItGaveUp()
    {
        var fencer = new FailingThenGrantingFencer(failures: int.MaxValue, throwOnFailure: true);
        using var grants = Grants(fencer, maxTries: 3);
        var tries = Channel.CreateUnbounded<GrantTry>();
        using var guard = new CancellationTokenSource(Guard);

        var (_, final) = grants.Begin(GrantRequest.Join("host-a", Iqn, "g1", "host joined"), t => tries.Writer.TryWrite(t));
        Assert.Equal(TimeSpan.FromSeconds(1), (await tries.Reader.ReadAsync(guard.Token)).NextTryIn);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(2), (await tries.Reader.ReadAsync(guard.Token)).NextTryIn);
        _time.Advance(TimeSpan.FromSeconds(2));
        var last = await tries.Reader.ReadAsync(guard.Token);

        Assert.Same(last, await final);
        Assert.Equal((3, true, null), (last.Try, last.Failed, last.NextTryIn));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(3, fencer.Count);
        Assert.Equal(4, _alarms.Raised.Count); // three failed tries and the giving up
        Assert.Contains("gave up", _alarms.Raised.Last().Summary, StringComparison.Ordinal);
        var gaveUp = Rows()[^1];
        Assert.Equal((DecisionKinds.GrantInitiator, Outcome.Failed), (gaveUp.Kind, gaveUp.Outcome));
        Assert.True(JsonNode.Parse(gaveUp.EvidenceJson)!["gaveUp"]!.GetValue<bool>());
        Assert.Contains("target unreachable", gaveUp.EvidenceJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JoinGrant_OfAHostThatFailsWhileItIsRetried_IsNotGrantedAgain()
    {
        var fencer = new FailingThenGrantingFencer(failures: 1);
        using var grants = Grants(fencer);
        var tries = Channel.CreateUnbounded<GrantTry>();
        using var guard = new CancellationTokenSource(Guard);

        var (first, final) = grants.Begin(GrantRequest.Join("host-a", Iqn, "g1", "host joined"), t => tries.Writer.TryWrite(t));
        Assert.True((await first).Failed);
        Assert.True(_log.Apply(new HostFailed("host-a", "g1", "silent")).Applied);
        _time.Advance(TimeSpan.FromSeconds(1));

        var refused = await final;
        Assert.True(refused.Refused);
        Assert.Contains("rule 4", refused.Error, StringComparison.Ordinal);
        Assert.Equal(1, fencer.Count); // the target was not asked again
        Assert.Equal((DecisionKinds.GrantInitiator, Outcome.Refused), (Rows()[^1].Kind, Rows()[^1].Outcome));
    }

    [Fact]
    public async Task FailedOrFencedHost_IsGrantedOnlyByAReadmissionWhoseRule4ChecksHold()
    {
        Assert.True(_log.Apply(new HostFailed("host-a", "g1", "silent")).Applied);
        Assert.True(_log.Apply(new HostFenced("host-a", true, "revoked, verified")).Applied);
        var fencer = new FailingThenGrantingFencer(failures: 0);
        using var grants = Grants(fencer);

        // A join never grants it.
        var join = await grants.TryAsync(GrantRequest.Join("host-a", Iqn, "g1", "joined"), 1, retried: true, CancellationToken.None);
        Assert.True(join.Refused);

        // Still the generation that failed: a stale writer, refused.
        var stale = await grants.TryAsync(GrantRequest.Readmission("host-a", Iqn, new Rule4Warrant("g1", false, "came back")), 1, retried: true, CancellationToken.None);
        Assert.True(stale.Refused);
        Assert.Contains("stale writer", stale.Error, StringComparison.Ordinal);

        // Another host's initiator: refused.
        Assert.True((await grants.TryAsync(GrantRequest.Readmission("host-a", "iqn.2026-12.lab:host-b", new Rule4Warrant("g1", true, "checked")), 1, true, CancellationToken.None)).Refused);
        Assert.Equal(0, fencer.Count);
        Assert.Empty(_alarms.Raised); // a refusal is no failed grant

        // The operator's word (rule 4's escape hatch) is granted, verified, as an unfence.
        var byOperator = await grants.TryAsync(GrantRequest.Readmission("host-a", Iqn, new Rule4Warrant("g1", true, "disk checked by hand")), 1, retried: false, CancellationToken.None);
        Assert.True(byOperator.Verified, byOperator.Summary);
        Assert.Equal("unfence", fencer.Calls.Single().Method);
        var rows = Rows();
        Assert.Equal((DecisionKinds.UnfenceHost, Outcome.Succeeded), (rows[^1].Kind, rows[^1].Outcome));
        Assert.True(JsonNode.Parse(rows[^1].EvidenceJson)!["byOperator"]!.GetValue<bool>());

        // A new generation with the caller's checks: granted.
        Assert.True(_log.Apply(new RegisterHost("host-a", "127.0.0.1:7001", "127.0.0.1:7002", Iqn, "sim", 4, 4096, "g2", "id-a", 3000)).Applied);
        Assert.Null(StorageGrants.Check(GrantRequest.Readmission("host-a", Iqn, new Rule4Warrant("g2", false, "g2 runs none of the moved VMs")), _log.View));
        Assert.NotNull(StorageGrants.Check(GrantRequest.Readmission("host-a", Iqn, new Rule4Warrant("g2", false, " ")), _log.View));
        Assert.NotNull(StorageGrants.Check(GrantRequest.Join("host-a", Iqn, "g2", "joined"), _log.View));
    }

    [Fact]
    public async Task ReadmissionTry_NotVerified_IsAFailedGrant_Journaled_AndAlarmed()
    {
        Assert.True(_log.Apply(new HostFailed("host-a", "g1", "silent")).Applied);
        Assert.True(_log.Apply(new HostFenced("host-a", true, "revoked, verified")).Applied);
        Assert.True(_log.Apply(new RegisterHost("host-a", "127.0.0.1:7001", "127.0.0.1:7002", Iqn, "sim", 4, 4096, "g2", "id-a", 3000)).Applied);
        var fencer = new FailingThenGrantingFencer(failures: 1);
        using var grants = Grants(fencer);
        var request = GrantRequest.Readmission("host-a", Iqn, new Rule4Warrant("g2", false, "g2 runs none of the moved VMs"));

        var first = await grants.TryAsync(request, 4, retried: true, CancellationToken.None);

        Assert.True(first.Failed);
        Assert.Equal(TimeSpan.FromSeconds(8), first.NextTryIn); // 1 s doubled three times
        Assert.Single(_alarms.Raised);
        Assert.Equal([(DecisionKinds.UnfenceHost, Outcome.Decided), (DecisionKinds.UnfenceHost, Outcome.Failed)], Rows().Select(r => (r.Kind, r.Outcome)));
        Assert.True((await grants.TryAsync(request, 5, retried: true, CancellationToken.None)).Verified);
        Assert.Equal(TimeSpan.FromSeconds(15), grants.Policy.Backoff(5)); // capped
    }
}
