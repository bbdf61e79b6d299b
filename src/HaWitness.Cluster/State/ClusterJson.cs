using System.Text.Json.Serialization;

namespace HaWitness.Cluster.State;

/// <summary>Source-generated JSON for log entries and snapshots (Native AOT has no reflection serializer).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = false)]
[JsonSerializable(typeof(ClusterCommand))]
[JsonSerializable(typeof(ClusterSnapshot))]
public sealed partial class ClusterJson : JsonSerializerContext;
