using System.Text.Json.Serialization;

namespace HaWitness.Operator.Api;

/// <summary>Source-generated JSON for the operators' API (Native AOT: no reflection). camelCase on the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false)]
[JsonSerializable(typeof(HostsReport))]
[JsonSerializable(typeof(HostView))]
[JsonSerializable(typeof(VmsReport))]
[JsonSerializable(typeof(JournalPage))]
[JsonSerializable(typeof(AlarmsReport))]
[JsonSerializable(typeof(MaintenanceRequest))]
[JsonSerializable(typeof(SpareRequest))]
[JsonSerializable(typeof(ReadmitRequest))]
[JsonSerializable(typeof(MigrateRequest))]
[JsonSerializable(typeof(HaRequest))]
[JsonSerializable(typeof(PriorityRequest))]
public sealed partial class OperatorJson : JsonSerializerContext;
