using System.Text.Json.Serialization;

namespace HaWitness.Core.Status;

/// <summary>
/// Source-generated JSON for every type that crosses the API (Native AOT has no reflection-based
/// serializer). camelCase on the wire.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false)]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(ErrorBody))]
public sealed partial class HaWitnessJson : JsonSerializerContext;
