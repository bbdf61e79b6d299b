namespace HaWitness.Failover.Alarms;

/// <summary>An alarm as hooks receive it (JSON, camelCase). Field names are a contract.</summary>
/// <param name="Kind"><c>HostFailed</c>, <c>FenceFailed</c>, <c>VmNotRestarted</c>, <c>QuorumLost</c>, <c>JournalFault</c> or <c>GrantFailed</c>.</param>
/// <param name="Subject"><c>host:a</c>, <c>vm:web</c>, <c>cluster</c>.</param>
/// <param name="Summary">One sentence.</param>
/// <param name="Time">When it was raised (UTC).</param>
/// <param name="Node">The appliance that raised it.</param>
public sealed record AlarmPayload(string Kind, string Subject, string Summary, DateTimeOffset Time, string Node);
