using System.Text.Json.Serialization;
using HaWitness.Failover.Alarms;
using HaWitness.Failover.Explain;
using HaWitness.Failover.Planned;
using HaWitness.Failover.Status;

namespace HaWitness.Failover;

/// <summary>Source-generated JSON for what the failover engine puts on the wire (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false)]
[JsonSerializable(typeof(FailoverStatus))]
[JsonSerializable(typeof(ExplainAnswer))]
[JsonSerializable(typeof(AlarmPayload))]
[JsonSerializable(typeof(OperationResult))]
public sealed partial class FailoverJson : JsonSerializerContext;
