using HaWitness.Core.Journal;

namespace HaWitness.Core.Status;

/// <summary>Composes <see cref="StatusReport"/> from the journal and the cluster view.</summary>
public sealed class StatusBuilder
{
    private readonly JournalStore _journal;
    private readonly IClusterView _cluster;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;

    /// <summary>Creates the builder; <paramref name="time"/> stamps the report.</summary>
    public StatusBuilder(JournalStore journal, IClusterView cluster, TimeProvider time)
    {
        _journal = journal;
        _cluster = cluster;
        _time = time;
        _startedAt = time.GetUtcNow();
    }

    /// <summary>This build's version.</summary>
    public static string Version { get; } =
        typeof(StatusBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Reads the current state.</summary>
    public StatusReport Build()
    {
        var hosts = _cluster.Hosts();
        var vms = _cluster.Vms();
        var stats = _journal.Stats();
        return new StatusReport(
            Environment.MachineName,
            Version,
            _time.GetUtcNow(),
            _startedAt,
            _cluster.Leader,
            _cluster.Term,
            _cluster.Quorum,
            hosts,
            vms,
            new JournalStatus(stats.LastDecisionId, stats.Events, stats.Bytes, _journal.Fault));
    }
}
