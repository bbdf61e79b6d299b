using System.Diagnostics.Metrics;
using HaWitness.Operator.Api;

namespace HaWitness.Operator.Metrics;

/// <summary>
/// The appliance's metrics (<c>GET /metrics</c>): hosts and VMs by state, quorum, failure
/// tolerance, active alarms and journal size are read from one <see cref="OperatorSnapshot"/> per
/// scrape; failovers, fences (with their latency) and failed logins are counted as they happen.
/// </summary>
internal sealed class OperatorMetrics : IDisposable
{
    public static readonly string[] HostStates = ["online", "joining", "suspect", "failed", "fenced", "maintenance", "offline"];
    public static readonly string[] VmStates = ["running", "starting", "stopped", "failed", "unplaced"];
    private readonly Meter _meter = new("HaWitness.Appliance");
    private readonly Func<OperatorSnapshot> _read;
    private readonly Func<bool> _isLeader;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _fences;
    private readonly Histogram<double> _fenceSeconds;
    private readonly Counter<long> _loginFailures;
    private readonly Counter<long> _refusals;
    private readonly PrometheusExporter _exporter;
    private readonly object _scrapeGate = new();
    private OperatorSnapshot? _scrape;

    public OperatorMetrics(Func<OperatorSnapshot> read, Func<bool> isLeader)
    {
        _read = read;
        _isLeader = isLeader;
        _failovers = _meter.CreateCounter<long>("hawitness_failovers_total", description: "Hosts declared failed (HostFailed committed) since this appliance started");
        _fences = _meter.CreateCounter<long>("hawitness_fences_total", description: "Storage fences attempted by the failover engine, by outcome (verified, noop, failed, lease_only)");
        _fenceSeconds = _meter.CreateHistogram("hawitness_fence_duration_seconds", unit: "s",
            description: "Time from fence request to the target's verified answer, by outcome",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60] });
        _loginFailures = _meter.CreateCounter<long>("hawitness_login_failures_total", description: "Failed admin logins (page, Basic, Bearer) since start");
        _refusals = _meter.CreateCounter<long>("hawitness_refusals_total", description: "Refused unauthenticated requests by kind (join-token, member-key, login, raft-tls, join), journaled as one row per source and minute");
        _meter.CreateObservableGauge("hawitness_hosts", () => HostGauge(), description: "Hosts by state");
        _meter.CreateObservableGauge("hawitness_vms", () => VmGauge(), description: "VMs by state");
        _meter.CreateObservableGauge("hawitness_spare_hosts", () => Gauge(s => s.Status.Hosts.Count(h => h.Spare)), description: "Spare (contingency) hosts");
        _meter.CreateObservableGauge("hawitness_vms_on_spares", () => Gauge(s => s.Status.Hosts.Where(h => h.Spare).Sum(h => h.Vms)),
            description: "VMs owned by spare hosts: after a failover they stay there until an operator moves them");
        _meter.CreateObservableGauge("hawitness_quorum", () => Gauge(s => s.Status.Quorum.HasQuorum ? 1 : 0), description: "1 when this appliance has quorum and may decide, else 0");
        _meter.CreateObservableGauge("hawitness_quorum_voters", () => Gauge(s => s.Status.Quorum.Voters), description: "Voters in the Raft configuration");
        _meter.CreateObservableGauge("hawitness_quorum_reachable", () => Gauge(s => s.Status.Quorum.Reachable), description: "Voters this appliance hears");
        _meter.CreateObservableGauge("hawitness_leader", () => new Measurement<long>(_isLeader() ? 1 : 0), description: "1 when this appliance is the Raft leader");
        _meter.CreateObservableGauge("hawitness_raft_term", () => Gauge(s => s.Status.Term), description: "Current Raft term");
        _meter.CreateObservableGauge("hawitness_can_tolerate_host_failures", () => Gauge(s => s.Failover.CanTolerateHostFailures), description: "Largest k such that the VMs still fit after any k hosts fail");
        _meter.CreateObservableGauge("hawitness_storage_fence_verified", () => Gauge(s => s.Failover.StorageFence == "verified" ? 1 : 0), description: "1 with a storage target (verified fences), 0 when failover relies on the lease alone");
        _meter.CreateObservableGauge("hawitness_alarms", () => AlarmGauge(), description: "Active alarms by severity");
        _meter.CreateObservableGauge("hawitness_journal_bytes", () => Gauge(s => s.Status.Journal.Bytes), unit: "By", description: "Size of the journal file and its WAL");
        _meter.CreateObservableGauge("hawitness_journal_decisions", () => Gauge(s => s.Status.Journal.LastDecisionId), description: "Decisions journaled (id of the newest)");
        _meter.CreateObservableGauge("hawitness_journal_events", () => Gauge(s => s.Status.Journal.Events), description: "Events journaled");
        _exporter = new PrometheusExporter(_meter);
        // Counters start at 0 so that rate() and alerts see them before the first event.
        _failovers.Add(0);
        _loginFailures.Add(0);
        foreach (var kind in new[] { "join-token", "member-key", "login", "raft-tls", "join" })
        {
            _refusals.Add(0, new KeyValuePair<string, object?>("kind", kind));
        }
        foreach (var outcome in new[] { "verified", "noop", "failed", "lease_only" })
        {
            _fences.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void FailoverCommitted() => _failovers.Add(1);

    public void LoginFailed() => _loginFailures.Add(1);

    /// <summary>Counts a refusal; a token holder's reasons (<c>join: ...</c>) share the label <c>join</c> to keep the label set small.</summary>
    public void Refused(string kind) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("kind", kind.StartsWith("join:", StringComparison.Ordinal) ? "join" : kind));

    public void Fenced(string outcome, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _fences.Add(1, tag);
        _fenceSeconds.Record(took.TotalSeconds, tag);
    }

    /// <summary>The Prometheus text of every metric, read now.</summary>
    public string Scrape()
    {
        lock (_scrapeGate)
        {
            _scrape = _read();
            try
            {
                return _exporter.Scrape();
            }
            finally
            {
                _scrape = null;
            }
        }
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    private Measurement<long> Gauge(Func<OperatorSnapshot, long> value) => _scrape is { } s ? new(value(s)) : new(0);

    private IEnumerable<Measurement<long>> HostGauge() =>
        _scrape is not { } s ? [] : HostStates.Select(state => new Measurement<long>(s.Status.Hosts.Count(h => h.State == state), new KeyValuePair<string, object?>("state", state)));

    private IEnumerable<Measurement<long>> VmGauge() =>
        _scrape is not { } s ? [] : VmStates.Select(state => new Measurement<long>(s.Status.Vms.Count(v => v.State == state), new KeyValuePair<string, object?>("state", state)));

    private IEnumerable<Measurement<long>> AlarmGauge() =>
        _scrape is not { } s ? [] : new[] { "critical", "warning" }.Select(sev => new Measurement<long>(s.Alarms.Count(a => a.Severity == sev), new KeyValuePair<string, object?>("severity", sev)));
}
