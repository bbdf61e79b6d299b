using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Leases;

/// <summary>
/// The agent's lease, on its own monotonic clock: an acknowledged heartbeat extends it to
/// (send time + L). Counting from the send time, never from the answer's arrival, keeps the
/// agent's reference point causally before the appliance's receipt of the same heartbeat.
/// Acknowledgements later than <see cref="LeaseOptions.HeartbeatTimeoutMs"/> are ignored, which
/// is what lets the appliance bound how long a peer's lease still holds.
/// </summary>
public sealed class AgentLease
{
    private readonly LeaseOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, long> _sent = [];
    private long _nextSeq = 1;
    private long _ackedSeq;
    private long _expiresAt = long.MinValue;
    private long _claimUntil = long.MinValue;
    private long _claimSince = long.MinValue;
    private long _toldUntil = long.MinValue;
    private long _claimTerm = long.MinValue;
    private bool _everHeld;

    /// <summary>Creates a lease that has not been granted yet.</summary>
    public AgentLease(LeaseOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Whether a lease was ever granted (false right after start).</summary>
    public bool EverHeld
    {
        get
        {
            lock (_lock)
            {
                return _everHeld;
            }
        }
    }

    /// <summary>Records a heartbeat about to be sent; returns its sequence number.</summary>
    public long BeginHeartbeat()
    {
        lock (_lock)
        {
            long seq = _nextSeq++;
            _sent[seq] = _time.GetTimestamp();
            // Forget heartbeats that can no longer be acknowledged in time.
            if (_sent.Count > 64)
            {
                foreach (var old in _sent.Keys.Where(k => k < seq - 32).ToList())
                {
                    _sent.Remove(old);
                }
            }

            return seq;
        }
    }

    /// <summary>
    /// An acknowledgement from the leader arrived for heartbeat <paramref name="seq"/>, from the
    /// leadership of Raft term <paramref name="term"/>. Returns false (and changes nothing) if it
    /// came too late or for an unknown heartbeat.
    /// </summary>
    public bool Acknowledge(long seq, long term = 0)
    {
        lock (_lock)
        {
            if (!_sent.Remove(seq, out long sentAt))
            {
                return false;
            }

            if (_time.GetElapsedTime(sentAt) > TimeSpan.FromMilliseconds(_options.HeartbeatTimeoutMs))
            {
                return false;
            }

            long expires = sentAt + (long)(_options.LeaseMs / 1000.0 * _time.TimestampFrequency);
            _expiresAt = Math.Max(_expiresAt, expires);
            long claim = sentAt + (long)(LeaseMath.LeaderClaim(_options).TotalSeconds * _time.TimestampFrequency);
            long now = _time.GetTimestamp();
            if (_claimUntil == long.MinValue || now >= _claimUntil || term != _claimTerm)
            {
                // A new claim, after none, after one that lapsed, or from another leadership (the
                // appliance restarted, perhaps only briefly): it settles before it is told.
                _claimSince = now;
                _toldUntil = long.MinValue;
                _claimTerm = term;
            }

            _claimUntil = Math.Max(_claimUntil, claim);
            if (_time.GetElapsedTime(_claimSince, now) >= LeaseMath.ClaimSettle(_options))
            {
                // The leader still answers G after this claim began: tell it until R after this send.
                _toldUntil = Math.Max(_toldUntil, claim);
            }
            _everHeld = true;
            _ackedSeq = Math.Max(_ackedSeq, seq);
            return true;
        }
    }

    /// <summary>
    /// The newest heartbeat of THIS lease whose acknowledgement counted (0: none yet), sent with
    /// every heartbeat so that the leader knows from when the agent holds its lease. It belongs to
    /// the lease, as the heartbeat numbers do: a new lease (a re-join, a self-fence) numbers its
    /// heartbeats from 1 again, and an acknowledged number carried over from the old one would name
    /// a heartbeat the leader received long ago — it would never count this host as leased again
    /// until the new numbers caught up.
    /// </summary>
    public long AckedSeq
    {
        get
        {
            lock (_lock)
            {
                return _ackedSeq;
            }
        }
    }

    /// <summary>Drops the lease at once (after self-fencing, or when the leader says we are failed).</summary>
    public void Revoke()
    {
        lock (_lock)
        {
            _expiresAt = long.MinValue;
            _claimUntil = long.MinValue;
            _claimSince = long.MinValue;
            _toldUntil = long.MinValue;
            _claimTerm = long.MinValue;
        }
    }

    /// <summary>
    /// What this agent answers a peer's isolation probe: it heard a leader recently (within
    /// <see cref="LeaseMath.LeaderClaim"/> of an acknowledged heartbeat's send time), and that
    /// leader acknowledged it again at least <see cref="LeaseMath.ClaimSettle"/> after the claim
    /// began (the claim holds without a break from one acknowledgement to the next). A younger
    /// claim is not told: the leader may have just come back, and a peer it hears as well as this
    /// agent holds a lease again within G; telling it sooner would make that peer fence itself for
    /// nothing — and so would a leader that came back only briefly and died before hearing it.
    /// </summary>
    public bool LeaderRecent
    {
        get
        {
            lock (_lock)
            {
                return _toldUntil != long.MinValue && _time.GetTimestamp() < _toldUntil;
            }
        }
    }

    /// <summary>True while the lease holds.</summary>
    public bool IsValid => Remaining > TimeSpan.Zero;

    /// <summary>Time left on the lease (zero or negative when expired).</summary>
    public TimeSpan Remaining
    {
        get
        {
            lock (_lock)
            {
                if (_expiresAt == long.MinValue)
                {
                    return TimeSpan.Zero;
                }

                long now = _time.GetTimestamp();
                return TimeSpan.FromSeconds((double)(_expiresAt - now) / _time.TimestampFrequency);
            }
        }
    }
}
