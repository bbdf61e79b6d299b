using System.Text.Json.Nodes;

namespace HaWitness.Core.Fencing;

/// <summary>The result of a fence or unfence.</summary>
/// <param name="Verified">True only when the target was re-read and shows the wanted state.</param>
/// <param name="NoOp">True when nothing needed doing (already fenced / already granted).</param>
/// <param name="Summary">One line for people.</param>
/// <param name="Evidence">Sessions before, commands run, sessions after, time taken.</param>
/// <param name="Error">Why it failed, when it failed.</param>
public sealed record FenceOutcome(bool Verified, bool NoOp, string Summary, JsonObject Evidence, string? Error = null);
