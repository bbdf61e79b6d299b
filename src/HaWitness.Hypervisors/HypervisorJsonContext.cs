using System.Text.Json.Serialization;

namespace HaWitness.Hypervisors;

/// <summary>Source-generated JSON for the types that travel in the committed state (AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VmDefinition))]
[JsonSerializable(typeof(HostCapacity))]
public sealed partial class HypervisorJsonContext : JsonSerializerContext
{
}
