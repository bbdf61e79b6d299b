namespace HaWitness.Failover.Alarms;

/// <summary>What an alarm is about.</summary>
internal enum AlarmKind
{
    /// <summary>A host was declared failed.</summary>
    HostFailed,
    /// <summary>A storage fence could not be verified.</summary>
    FenceFailed,
    /// <summary>A VM could not be restarted (no capacity, rules, retries exhausted).</summary>
    VmNotRestarted,
    /// <summary>The appliance lost its heartbeat quorum: no failover until it is back.</summary>
    QuorumLost,
    /// <summary>The journal cannot take writes (disk full, I/O error): decisions that need it are refused.</summary>
    JournalFault,
    /// <summary>A host's initiator could not be granted (verified) on the target: at a join, a re-admission or the operator's word.</summary>
    GrantFailed,
}

/// <summary>The grant path's alarms (<see cref="HaWitness.Cluster.Grants.IGrantAlarms"/>) as <see cref="AlarmKind.GrantFailed"/> alarms.</summary>
internal sealed class GrantAlarms(IAlarmSink sink, TimeProvider time) : HaWitness.Cluster.Grants.IGrantAlarms
{
    public void GrantFailed(string host, string summary) =>
        sink.Raise(new Alarm(AlarmKind.GrantFailed, HaWitness.Core.Journal.Subjects.Host(host), summary, time.GetUtcNow()));
}

/// <summary>One alarm, as hooks receive it.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Subject">Journal subject (<c>host:a</c>, <c>vm:web</c>, <c>cluster</c>).</param>
/// <param name="Summary">One sentence for people.</param>
/// <param name="Time">When (appliance clock).</param>
internal sealed record Alarm(AlarmKind Kind, string Subject, string Summary, DateTimeOffset Time);

/// <summary>Where the engine raises alarms; never blocks and never throws.</summary>
internal interface IAlarmSink
{
    /// <summary>Queues <paramref name="alarm"/> for delivery.</summary>
    void Raise(Alarm alarm);
}
