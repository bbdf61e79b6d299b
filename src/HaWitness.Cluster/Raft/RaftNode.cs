using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using DotNext.Net.Security;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Raft;

/// <summary>
/// One member of the HaWitness Raft group (DotNext.Net.Cluster over TCP with mutual TLS):
/// the WAL and snapshots, the persisted membership, and the replicated <see cref="ClusterState"/>.
/// The appliance runs a leader-eligible node; every agent a standby node (votes, never leads).
/// </summary>
public sealed partial class RaftNode : ICommandLog, IMembership, IAsyncDisposable
{
    private readonly RaftCluster _cluster;
    private readonly ClusterStateMachine _machine;
    private readonly WriteAheadLog _wal;
    private readonly EndPointConfigStorage _storage;
    private readonly SemaphoreSlim _membership = new(1, 1);
    private readonly ConcurrentDictionary<IPEndPoint, string> _admitting;
    private readonly ILogger _logger;
    private bool _stopped;

    private RaftNode(RaftCluster cluster, ClusterStateMachine machine, WriteAheadLog wal, EndPointConfigStorage storage, PeerValidator validator,
        ConcurrentDictionary<IPEndPoint, string> admitting, ILogger logger)
    {
        _admitting = admitting;
        _cluster = cluster;
        _machine = machine;
        _wal = wal;
        _storage = storage;
        Validator = validator;
        _logger = logger;
        _cluster.LeaderChanged += (_, leader) => LeaderChanged?.Invoke(leader is { IsRemote: false });
    }

    /// <summary>Raised when the leader changes; the argument says whether this node now leads.</summary>
    public event Action<bool>? LeaderChanged;

    /// <summary>The replicated state as applied on this node.</summary>
    public ClusterState State => _machine.State;

    /// <inheritdoc />
    public ClusterView View => State.View;

    /// <summary>Refuses peers not signed by the cluster CA or revoked.</summary>
    public PeerValidator Validator { get; }

    /// <summary>This member's Raft address.</summary>
    public EndPoint LocalEndPoint => _cluster.LocalMemberAddress;

    /// <summary>True while this node is the leader.</summary>
    public bool IsLeader => _cluster.Leader is { IsRemote: false } && !_cluster.LeadershipToken.IsCancellationRequested;

    /// <summary>The leader's address, if one is known.</summary>
    public EndPoint? Leader => _cluster.Leader?.EndPoint;

    /// <summary>The current term.</summary>
    public long Term => _cluster.Term;

    /// <summary>Cancelled when this node stops leading.</summary>
    public CancellationToken LeadershipToken => _cluster.LeadershipToken;

    /// <summary>Completes when the node is part of the configuration (a joiner waits until the leader adds it).</summary>
    public Task Readiness => _cluster.Readiness;

    /// <summary>The last log index applied here.</summary>
    public long AppliedIndex => _wal.LastAppliedIndex;

    /// <summary>
    /// Where the log stands (term, last entry, committed, applied): unchanged across a copy of the
    /// Raft directory means no entry, vote or membership change was written meanwhile.
    /// </summary>
    public string LogPosition => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"term {_cluster.Term}, last entry {_wal.LastEntryIndex}, committed {_wal.LastCommittedEntryIndex}, applied {_wal.LastAppliedIndex}");

    /// <summary>The members in the current configuration, with what this node knows of their reachability.</summary>
    public IReadOnlyList<RaftMemberInfo> Members => [.. _cluster.Members.Select(m => new RaftMemberInfo(
        m.EndPoint.ToString() ?? string.Empty,
        !m.IsRemote,
        m.IsLeader,
        m.Status.ToString()))];

    /// <summary>Builds and starts the node.</summary>
    public static async Task<RaftNode> StartAsync(RaftNodeOptions options, ILoggerFactory loggerFactory, ClusterState? state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (options.CheckTimeouts() is { } wrong)
        {
            throw new ArgumentException(wrong, nameof(options));
        }

        var logger = loggerFactory.CreateLogger<RaftNode>();
        Directory.CreateDirectory(options.Directory);
        state ??= new ClusterState();
        var machine = new ClusterStateMachine(new DirectoryInfo(Path.Combine(options.Directory, "snapshots")), state, logger);
        await machine.RestoreAsync(cancellationToken).ConfigureAwait(false); // must precede the WAL
        var wal = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(options.Directory, "wal") }, machine);
        var storage = new EndPointConfigStorage(Path.Combine(options.Directory, "members.bin"));
        var admitting = new ConcurrentDictionary<IPEndPoint, string>();
        var validator = new PeerValidator(options.ClusterCa, id => state.View.RevokedIdentities.Contains(id), ep => IdentityAt(ep, admitting, state.View));
        var config = new RaftCluster.TcpConfiguration(options.EndPoint)
        {
            ConfigurationStorage = storage,
            ColdStart = options.ColdStart,
            Standby = !options.LeaderEligible,
            LowerElectionTimeout = options.LowerElectionTimeoutMs,
            UpperElectionTimeout = options.UpperElectionTimeoutMs,
            HeartbeatThreshold = (double)options.HeartbeatMs / options.LowerElectionTimeoutMs,
            RequestTimeout = options.RequestTimeout,
            ConnectTimeout = options.RequestTimeout,
            SslOptions = new MutualTlsOptions(options.Certificate, validator),
            LoggerFactory = new RaftLogFilter(loggerFactory),
            WarmupRounds = 5,
        };
        var cluster = new RaftCluster(config) { AuditTrail = wal };
        var node = new RaftNode(cluster, machine, wal, storage, validator, admitting, logger);
        await cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(logger, options.EndPoint.ToString(), options.LeaderEligible ? "leader-eligible" : "standby");
        return node;
    }

    /// <inheritdoc />
    public async Task<Commit> ProposeAsync(ClusterCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!IsLeader)
        {
            throw new NotLeaderException($"not the leader (leader: {Leader?.ToString() ?? "none"})");
        }

        var proposal = new Proposal();
        var entry = new BinaryLogEntry { Content = ClusterState.Encode(command), Term = _cluster.Term, Context = proposal };
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cluster.LeadershipToken);
        try
        {
            await _cluster.ReplicateAsync(entry, both.Token).ConfigureAwait(false);
        }
        catch (DotNext.Net.Cluster.Consensus.Raft.NotLeaderException ex)
        {
            throw new NotLeaderException("lost leadership while replicating " + command.Describe(), ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NotLeaderException("lost leadership while replicating " + command.Describe(), ex);
        }

        return await proposal.Done.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a member (leader only, one change at a time): only the holder of the certificate with
    /// <paramref name="identity"/> may answer at <paramref name="endPoint"/>, now and until the
    /// registration that binds them is committed (<see cref="EndAdmission"/>). False if it could not
    /// be reached and caught up; true if it is (already) a member.
    /// </summary>
    public async Task<bool> AddMemberAsync(IPEndPoint endPoint, string identity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (Equals(endPoint, _cluster.LocalMemberAddress))
        {
            LogOwnMember(_logger, "add", endPoint.ToString());
            return false;
        }

        _admitting[endPoint] = identity;
        await _membership.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cluster.Members.Any(m => Equals(m.EndPoint, endPoint)))
            {
                return true;
            }

            bool added = await _cluster.AddMemberAsync(endPoint, cancellationToken).ConfigureAwait(false);
            LogMembership(_logger, "add", endPoint.ToString(), added);
            return added;
        }
        catch (DotNext.Net.Cluster.Consensus.Raft.NotLeaderException ex)
        {
            throw new NotLeaderException("not the leader: cannot add " + endPoint, ex);
        }
        finally
        {
            _membership.Release();
        }
    }

    /// <inheritdoc />
    public void EndAdmission(IPEndPoint endPoint) => _admitting.TryRemove(endPoint, out _);

    /// <inheritdoc />
    public bool IsMember(IPEndPoint endPoint) => _cluster.Members.Any(m => Equals(m.EndPoint, endPoint));

    /// <inheritdoc />
    public bool IsOwnEndPoint(IPEndPoint endPoint) => Equals(endPoint, _cluster.LocalMemberAddress);

    /// <summary>
    /// Removes a member (leader only, one change at a time). True if it is no longer a member.
    /// Never this node itself: a leader that removed itself would leave the group without a leader
    /// for good (nobody else may lead), so that request is refused whoever makes it.
    /// </summary>
    public async Task<bool> RemoveMemberAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (IsOwnEndPoint(endPoint))
        {
            LogOwnMember(_logger, "remove", endPoint.ToString());
            return false;
        }

        await _membership.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_cluster.Members.Any(m => Equals(m.EndPoint, endPoint)))
            {
                return true;
            }

            bool removed = await _cluster.RemoveMemberAsync(endPoint, cancellationToken).ConfigureAwait(false);
            LogMembership(_logger, "remove", endPoint.ToString(), removed);
            return removed;
        }
        catch (DotNext.Net.Cluster.Consensus.Raft.NotLeaderException ex)
        {
            throw new NotLeaderException("not the leader: cannot remove " + endPoint, ex);
        }
        finally
        {
            _membership.Release();
        }
    }

    /// <summary>Waits until this node's state has caught up with the leader's commit index.</summary>
    public async Task ReadBarrierAsync(CancellationToken cancellationToken) =>
        await _cluster.ApplyReadBarrierAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Stops the node and releases its files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        try
        {
            await _cluster.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
        }

        await _cluster.DisposeAsync().ConfigureAwait(false);
        await _wal.DisposeAsync().ConfigureAwait(false);
        await _machine.DisposeAsync().ConfigureAwait(false);
        _storage.Dispose();
        _membership.Dispose();
    }

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Raft member {EndPoint} started ({Role})")]
    private static partial void LogStarted(ILogger logger, string endPoint, string role);

    /// <summary>The identity bound to a host's Raft endpoint: one being admitted, else the registered host's.</summary>
    private static string? IdentityAt(IPEndPoint endPoint, ConcurrentDictionary<IPEndPoint, string> admitting, ClusterView view)
    {
        if (admitting.TryGetValue(endPoint, out var identity))
        {
            return identity;
        }

        foreach (var h in view.Hosts.Values)
        {
            if (h.Phase != HostPhase.Removed && IPEndPoint.TryParse(h.RaftEndpoint, out var ep) && Equals(ep, endPoint))
            {
                return h.Identity;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Refused to {Change} this node's own Raft member {EndPoint}")]
    private static partial void LogOwnMember(ILogger logger, string change, string endPoint);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Raft membership {Change} {EndPoint}: {Done}")]
    private static partial void LogMembership(ILogger logger, string change, string endPoint, bool done);

    /// <summary>Mutual TLS on every Raft connection, both directions, validated against the cluster CA.</summary>
    private sealed class MutualTlsOptions : SslOptions
    {
        private readonly X509Certificate2 _own;
        private readonly PeerValidator _validator;

        public MutualTlsOptions(X509Certificate2 own, PeerValidator validator)
        {
            _own = own;
            _validator = validator;
            ServerOptions = new SslServerAuthenticationOptions
            {
                ServerCertificate = own,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = validator.ValidateRaftInbound,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                EnabledSslProtocols = SslProtocols.Tls13,
            };
        }

        public override SslClientAuthenticationOptions CreateClientOptions(EndPoint serverAddress) => new()
        {
            TargetHost = "hawitness",
            ClientCertificates = [_own],
            LocalCertificateSelectionCallback = (_, _, _, _, _) => _own,
            RemoteCertificateValidationCallback = _validator.RaftOutboundFor(serverAddress),
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = SslProtocols.Tls13,
        };
    }
}

/// <summary>A Raft member as this node sees it.</summary>
public sealed record RaftMemberInfo(string EndPoint, bool IsLocal, bool IsLeader, string Status);
