using System.Text.Json.Nodes;
using HaWitness.Fencing.Targets;

namespace HaWitness.Fencing;

/// <summary>Builds the journal's evidence for a fence, unfence or grant (stable JSON names).</summary>
internal static class FenceEvidence
{
    public static void Fill(JsonObject evidence, DriverReport? report, List<JsonObject> attempts, TargetError? error, bool verified, bool noOp, double ms)
    {
        evidence["verified"] = verified;
        evidence["noOp"] = noOp;
        evidence["sessionsBefore"] = Sessions(report?.SessionsBefore);
        evidence["grantedBefore"] = Strings(report?.GrantedBefore);
        var commands = new JsonArray();
        foreach (var a in attempts)
        {
            foreach (var c in a["commands"]!.AsArray())
            {
                var copy = c!.DeepClone().AsObject();
                copy["attempt"] = a["attempt"]!.GetValue<int>();
                commands.Add((JsonNode)copy);
            }
        }

        evidence["commands"] = commands;
        evidence["sessionsAfter"] = Sessions(report?.SessionsAfter);
        evidence["grantedAfter"] = Strings(report?.GrantedAfter);
        evidence["persistence"] = report?.Persistence;
        evidence["problems"] = Strings(report?.Problems);
        evidence["attempts"] = new JsonArray([.. attempts.Select(a =>
        {
            var copy = a.DeepClone().AsObject();
            copy.Remove("commands");
            return (JsonNode)copy;
        })]);
        evidence["elapsedMs"] = Math.Round(ms, 2);
        evidence["error"] = error is null ? null : Error(error);
    }

    public static JsonObject Attempt(int number, DriverReport? report, TargetError? error, double ms) => new()
    {
        ["attempt"] = number,
        ["verified"] = report?.Verified == true,
        ["ms"] = Math.Round(ms, 2),
        ["error"] = error is null ? null : Error(error),
        ["problems"] = Strings(report?.Problems),
        ["commands"] = new JsonArray([.. (report?.Commands ?? []).Select(c => (JsonNode)new JsonObject
        {
            ["command"] = c.Command,
            ["exit"] = c.ExitCode,
            ["ms"] = c.Ms is { } ms ? Math.Round(ms, 2) : null,
            ["note"] = c.Note,
            ["ssh"] = c.Ssh,
            ["step"] = c.Step,
        })]),
    };

    public static JsonObject Error(TargetError error) => new()
    {
        ["kind"] = error.Kind.ToString(),
        ["message"] = error.Message,
    };

    private static JsonArray Sessions(IReadOnlyList<SessionInfo>? sessions) =>
        new([.. (sessions ?? []).Select(s => (JsonNode)new JsonObject
        {
            ["target"] = s.Target,
            ["initiator"] = s.Initiator,
            ["sid"] = s.SessionId,
            ["cid"] = s.ConnectionId,
            ["address"] = s.Address,
        })]);

    private static JsonArray Strings(IReadOnlyList<string>? values) => new([.. (values ?? []).Select(v => (JsonNode)JsonValue.Create(v))]);
}
