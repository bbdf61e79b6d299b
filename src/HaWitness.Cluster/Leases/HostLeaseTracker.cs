using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Leases;

/// <summary>
/// The leader's view of host liveness, on its own clock: when it last received each host's
/// heartbeat, whether it hears a majority of voters (heartbeat quorum), and from that when it may
/// act on a silent host. Everything is reset when leadership is gained: a new leader has heard
/// nobody yet, and counts every host from that moment (conservatively late).
/// Every instant kept here is on the <b>monotonic</b> clock (<see cref="TimeProvider.GetTimestamp"/>,
/// held as an offset from a fixed origin so the lease arithmetic reads as plain time): a step of the
/// wall clock changes no deadline. Instants handed out for display are mapped to the wall clock as
/// it reads at that moment (<see cref="ToWall"/>); decisions use <see cref="IsSafeToAct"/> and the
/// durations (<see cref="Silence"/>, <see cref="SinceReport"/>), never a wall-clock comparison.
/// </summary>
public sealed class HostLeaseTracker : IHostLiveness
{
    private readonly LeaseOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<ClusterView> _view;
    private readonly int _appliances;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _lastHeard = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _heardSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _registeredAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _leasedUntil = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Host, long Seq), DateTimeOffset> _received = [];
    private readonly Dictionary<string, HostReport> _reports = new(StringComparer.Ordinal);
    private readonly long _origin;
    private DateTimeOffset? _leaderSince;

    /// <summary>The origin of the monotonic instants (any fixed value: only differences count).</summary>
    private static readonly DateTimeOffset Origin = DateTimeOffset.UnixEpoch;

    /// <summary>Creates the tracker. <paramref name="appliances"/> = leader-eligible voters (usually 1).</summary>
    public HostLeaseTracker(LeaseOptions options, TimeProvider time, Func<ClusterView> view, int appliances = 1)
    {
        _options = options;
        _time = time;
        _view = view;
        _appliances = appliances;
        _origin = time.GetTimestamp();
    }

    /// <summary>Now on the monotonic clock.</summary>
    private DateTimeOffset Now() => Origin + _time.GetElapsedTime(_origin);

    /// <summary>A monotonic instant as the wall clock reads it now (for display and journal rows only).</summary>
    private DateTimeOffset ToWall(DateTimeOffset monotonic) => _time.GetUtcNow() + (monotonic - Now());

    /// <summary>When this node became leader (wall clock, for display), or null when it is not.</summary>
    public DateTimeOffset? LeaderSince
    {
        get
        {
            lock (_lock)
            {
                return _leaderSince is { } t ? ToWall(t) : null;
            }
        }
    }

    /// <summary>This node became leader: forget everything heard before.</summary>
    public void LeadershipGained()
    {
        lock (_lock)
        {
            _lastHeard.Clear();
            _heardSince.Clear();
            _leasedUntil.Clear();
            _received.Clear();
            _reports.Clear();
            _leaderSince = Now();
        }
    }

    /// <summary>This node lost leadership: it may act on nothing.</summary>
    public void LeadershipLost()
    {
        lock (_lock)
        {
            _leaderSince = null;
        }
    }

    /// <summary>
    /// The host (re-)registered now: its silence counts from here, not from the start of the
    /// leadership (a host that just joined has not had time to send a heartbeat).
    /// </summary>
    public void Registered(string host)
    {
        lock (_lock)
        {
            _registeredAt[host] = Now();
        }
    }

    /// <inheritdoc />
    public event Action<string>? ReportChanged;

    /// <summary>A heartbeat arrived (the caller acknowledges it only while leader).</summary>
    public void Heartbeat(HostReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        bool changed;
        lock (_lock)
        {
            var now = Now();
            _received[(report.Host, report.Seq)] = now;
            // The agent accepted the acknowledgement of heartbeat AckedSeq (received at r): its
            // lease holds until at least r + PeerLeaseHeld. Receipt alone proves nothing, since
            // the acknowledgement may have arrived too late to count.
            if (report.AckedSeq > 0 && _received.TryGetValue((report.Host, report.AckedSeq), out var r))
            {
                var until = r + LeaseMath.PeerLeaseHeld(_options);
                bool continuous = _leasedUntil.TryGetValue(report.Host, out var previous) && now < previous;
                if (!continuous)
                {
                    // Leased from no later than now (it accepted the ack before sending this).
                    _heardSince[report.Host] = now;
                }

                if (!continuous || until > previous)
                {
                    _leasedUntil[report.Host] = until;
                }
            }

            if (_received.Count > 4096)
            {
                var cutoff = now - TimeSpan.FromMilliseconds(_options.LeaseMs * 4);
                foreach (var key in _received.Where(kv => kv.Value < cutoff).Select(kv => kv.Key).ToList())
                {
                    _received.Remove(key);
                }
            }

            _lastHeard[report.Host] = now;
            changed = !_reports.TryGetValue(report.Host, out var before) || before.SelfFenced != report.SelfFenced
                || before.Generation != report.Generation || !before.Vms.SequenceEqual(report.Vms);
            _reports[report.Host] = report with { ReceivedAt = _time.GetUtcNow() };
        }

        if (changed)
        {
            ReportChanged?.Invoke(report.Host);
        }
    }

    /// <summary>When the host was last heard in this leadership (wall clock, for display; null: never).</summary>
    public DateTimeOffset? LastHeard(string host)
    {
        lock (_lock)
        {
            return _lastHeard.TryGetValue(host, out var t) ? ToWall(t) : null;
        }
    }

    /// <inheritdoc />
    public TimeSpan? SinceReport(string host)
    {
        lock (_lock)
        {
            return _lastHeard.TryGetValue(host, out var t) ? Now() - t : null;
        }
    }

    /// <summary>How long the host has been silent, counted from the later of its last heartbeat and the start of this leadership.</summary>
    public TimeSpan? Silence(string host)
    {
        lock (_lock)
        {
            if (_leaderSince is not { } since)
            {
                return null;
            }

            return Now() - Reference(host, since);
        }
    }

    /// <summary>Voters (appliances + voting hosts) and how many of them are heard now.</summary>
    public (int Voters, int Heard) Quorum()
    {
        lock (_lock)
        {
            return Count();
        }
    }

    /// <inheritdoc />
    public bool HasHeartbeatQuorum
    {
        get
        {
            lock (_lock)
            {
                return QuorumSince() is not null;
            }
        }
    }

    /// <inheritdoc />
    public DateTimeOffset? SafeToActAt(string host)
    {
        lock (_lock)
        {
            return SafeAt(host) is { } at ? ToWall(at) : null;
        }
    }

    /// <inheritdoc />
    public bool IsSafeToAct(string host) => UntilSafeToAct(host) == TimeSpan.Zero;

    /// <inheritdoc />
    public TimeSpan? UntilSafeToAct(string host)
    {
        lock (_lock)
        {
            if (SafeAt(host) is not { } at)
            {
                return null;
            }

            var left = at - Now();
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>When it is safe to act on the host, on the monotonic clock (call under the lock).</summary>
    private DateTimeOffset? SafeAt(string host)
    {
        if (QuorumSince() is not { } quorumSince || _leaderSince is not { } leaderSince)
        {
            return null;
        }

        int powerOff = _view().Hosts.TryGetValue(host, out var h) ? h.PowerOffBoundMs : 0;
        var heard = Reference(host, leaderSince);
        var afterHeartbeat = heard + LeaseMath.SafeAfterHeartbeat(_options, powerOff);
        var afterQuorum = quorumSince + LeaseMath.SafeAfterQuorum(_options, powerOff);
        return afterHeartbeat > afterQuorum ? afterHeartbeat : afterQuorum;
    }

    /// <inheritdoc />
    public HostReport? LastReport(string host)
    {
        lock (_lock)
        {
            return _reports.TryGetValue(host, out var r) ? r : null;
        }
    }

    private (int Voters, int Heard) Count()
    {
        var now = Now();
        int voters = _appliances;
        int heard = _leaderSince is null ? 0 : 1;
        foreach (var h in _view().Hosts.Values)
        {
            if (!h.Voter || h.Phase == HostPhase.Removed)
            {
                continue;
            }

            voters++;
            if (_leasedUntil.TryGetValue(h.Name, out var until) && now < until)
            {
                heard++;
            }
        }

        return (voters, heard);
    }

    /// <summary>The latest of: the last heartbeat, the registration, the start of this leadership.</summary>
    private DateTimeOffset Reference(string host, DateTimeOffset leaderSince)
    {
        var from = leaderSince;
        if (_lastHeard.TryGetValue(host, out var t) && t > from)
        {
            from = t;
        }

        if (_registeredAt.TryGetValue(host, out var r) && r > from)
        {
            from = r;
        }

        return from;
    }

    /// <summary>
    /// Since when a majority of voters has been heard without a break, or null without quorum.
    /// The majority taken is the one heard longest among those heard now: a true continuous
    /// majority may have started earlier with other members, so this errs late, the safe side.
    /// </summary>
    private DateTimeOffset? QuorumSince()
    {
        if (_leaderSince is not { } leaderSince)
        {
            return null;
        }

        var now = Now();
        var since = new List<DateTimeOffset> { leaderSince };
        int voters = _appliances;
        foreach (var h in _view().Hosts.Values)
        {
            if (!h.Voter || h.Phase == HostPhase.Removed)
            {
                continue;
            }

            voters++;
            if (_leasedUntil.TryGetValue(h.Name, out var until) && now < until)
            {
                since.Add(_heardSince[h.Name]);
            }
        }

        int majority = voters / 2 + 1;
        if (since.Count < majority)
        {
            return null;
        }

        since.Sort();
        return since[majority - 1];
    }
}
