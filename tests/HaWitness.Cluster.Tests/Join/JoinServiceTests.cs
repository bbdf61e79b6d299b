using System.Net;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Cluster.Tests.Join;

/// <summary>
/// The join rules on a fake clock, with a real CA, token, member keys and SQLite journal; the
/// Raft group is a test double (a state machine applied in order, a membership that records).
/// </summary>
public sealed class JoinServiceTests : IDisposable
{
    private const string ApplianceRaft = "127.0.0.1:7400";
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly ClusterCa _ca;
    private readonly JournalStore _journal;
    private readonly TestLog _log = new();
    private readonly TestMembership _membership = new();
    private readonly JoinToken _token;
    private readonly JoinService _joins;

    public JoinServiceTests()
    {
        _ca = ClusterCa.LoadOrCreate(_dir.Path);
        _journal = JournalStore.Open(_dir.File("journal.db"), _time);
        _token = new JoinToken(_dir.Path, _time);
        _joins = new JoinService(_token, new MemberKeys(_dir.Path), _ca, _log, _membership, _journal, new LeaseOptions(), ApplianceRaft,
            () => true, NullLogger<JoinService>.Instance, grants: null, time: _time);
    }

    public void Dispose()
    {
        _journal.Dispose();
        _ca.Dispose();
        _dir.Dispose();
    }

    private JoinRequest Request(string name, int port, string? iqn = null, string generation = "gen-00000001")
    {
        string dir = _dir.File("key-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        using var identity = MemberIdentity.LoadOrCreate(dir);
        return new JoinRequest(_token.GetOrCreate(), name, $"127.0.0.1:{port}", $"127.0.0.1:{port + 1}", iqn ?? $"iqn.2026-12.lab:{name}",
            "sim", 4, 4096, generation, 3000, identity.CreateSigningRequestPem(name));
    }

    [Fact]
    public void PendingJoin_OfAnotherKey_HoldsTheName_UntilItExpires()
    {
        Assert.Equal(200, _joins.Join(Request("host-a", 7001), "10.0.0.1").Status);

        var takeover = _joins.Join(Request("host-a", 7011), "10.0.0.2");
        Assert.Equal((409, "join_pending"), (takeover.Status, takeover.Error));

        _time.Advance(JoinService.PendingLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(200, _joins.Join(Request("host-a", 7011), "10.0.0.2").Status);
    }

    [Fact]
    public void Join_NamingTheAppliancesEndpoint_IsRefused_AndNothingIsPending()
    {
        var own = _joins.Join(Request("host-a", 7400), "10.0.0.1");

        Assert.Equal((409, "endpoint_taken"), (own.Status, own.Error));
        Assert.Equal(200, _joins.Join(Request("host-a", 7001), "10.0.0.1").Status); // the name was not taken by the refused join
    }

    [Fact]
    public async Task Admit_AddsTheMemberWithTheIssuedIdentity_OnProbation_AndOneKeyHoldsOneName()
    {
        var join = _joins.Join(Request("host-a", 7001), "10.0.0.1");
        Assert.Equal(200, join.Status);

        var admit = await _joins.AdmitAsync(new AdmitRequest("host-a", "gen-00000001"), join.Value!.MemberKey, "10.0.0.1", CancellationToken.None);

        Assert.Equal(200, admit.Status);
        Assert.Equal((new IPEndPoint(IPAddress.Loopback, 7001), join.Value.Identity), _membership.Added.Single());
        var host = _log.View.Hosts["host-a"];
        Assert.True(host.Probation);
        Assert.False(host.Voter);
        Assert.Equal(join.Value.Identity, host.Identity);
    }

    [Fact]
    public async Task Admit_WithAnotherHostOnProbation_Waits_AndAJoinClaimingItsInitiatorIsRefused()
    {
        var a = _joins.Join(Request("host-a", 7001), "10.0.0.1");
        Assert.Equal(200, (await _joins.AdmitAsync(new AdmitRequest("host-a", "gen-00000001"), a.Value!.MemberKey, "10.0.0.1", CancellationToken.None)).Status);

        var stolen = _joins.Join(Request("host-x", 7021, iqn: "iqn.2026-12.lab:host-a"), "10.0.0.9");
        Assert.Equal((409, "initiator_taken"), (stolen.Status, stolen.Error));
        // The hex of an eui. name may be written in either case: another spelling is the same initiator.
        Assert.Equal(200, _joins.Join(Request("host-p", 7041, iqn: "eui.02004567a425678d"), "10.0.0.7").Status);
        var respelled = _joins.Join(Request("host-q", 7051, iqn: "eui.02004567A425678D"), "10.0.0.8");
        Assert.Equal((409, "join_pending"), (respelled.Status, respelled.Error));

        var b = _joins.Join(Request("host-b", 7031), "10.0.0.2");
        var busy = await _joins.AdmitAsync(new AdmitRequest("host-b", "gen-00000001"), b.Value!.MemberKey, "10.0.0.2", CancellationToken.None);
        Assert.Equal((503, "admission_busy"), (busy.Status, busy.Error));
        Assert.Single(_membership.Added);
    }

    [Fact]
    public async Task Admit_IsNotHeldUp_ByAHostWhoseProbationEnded_ButThatStaysRegistered()
    {
        // A failed host re-registers on probation, is never heard, and is dropped: it stays failed
        // and no voter, which must not block every admit after it.
        await _log.ProposeAsync(new RegisterHost("host-f", "127.0.0.1:7101", "127.0.0.1:7102", "iqn.2026-12.lab:host-f", "sim", 4, 4096, "g1", "id-f", 3000), CancellationToken.None);
        await _log.ProposeAsync(new HostFailed("host-f", "g1", "silent"), CancellationToken.None);
        await _log.ProposeAsync(new SetHostVoter("host-f", false), CancellationToken.None);
        await _log.ProposeAsync(new RegisterHost("host-f", "127.0.0.1:7101", "127.0.0.1:7102", "iqn.2026-12.lab:host-f", "sim", 4, 4096, "g2", "id-f", 3000, Probation: true), CancellationToken.None);
        Assert.True((await _log.ProposeAsync(new EndProbation("host-f", "g2"), CancellationToken.None)).Result.Applied);
        Assert.Equal((HostPhase.Failed, false, false), (_log.View.Hosts["host-f"].Phase, _log.View.Hosts["host-f"].Voter, _log.View.Hosts["host-f"].Probation));

        var b = _joins.Join(Request("host-b", 7031), "10.0.0.2");
        var admit = await _joins.AdmitAsync(new AdmitRequest("host-b", "gen-00000001"), b.Value!.MemberKey, "10.0.0.2", CancellationToken.None);

        Assert.Equal(200, admit.Status);
    }

    /// <summary>Test double of the replicated log: commands applied in order to a real state machine.</summary>
    private sealed class TestLog : ICommandLog
    {
        private readonly ClusterState _state = new();
        private long _index;

        public ClusterView View => _state.View;

        public Task<Commit> ProposeAsync(ClusterCommand command, CancellationToken cancellationToken)
        {
            long index = Interlocked.Increment(ref _index);
            return Task.FromResult(new Commit(index, _state.Apply(index, command)));
        }
    }

    /// <summary>Test double of Raft membership: records what was added.</summary>
    private sealed class TestMembership : IMembership
    {
        public List<(IPEndPoint EndPoint, string Identity)> Added { get; } = [];

        public Task<bool> AddMemberAsync(IPEndPoint endPoint, string identity, CancellationToken cancellationToken)
        {
            Added.Add((endPoint, identity));
            return Task.FromResult(true);
        }

        public Task<bool> RemoveMemberAsync(IPEndPoint endPoint, CancellationToken cancellationToken) => Task.FromResult(true);

        public void EndAdmission(IPEndPoint endPoint)
        {
        }

        public bool IsMember(IPEndPoint endPoint) => Added.Any(a => a.EndPoint.Equals(endPoint));

        public bool IsOwnEndPoint(IPEndPoint endPoint) => endPoint.Equals(IPEndPoint.Parse(ApplianceRaft));
    }
}
