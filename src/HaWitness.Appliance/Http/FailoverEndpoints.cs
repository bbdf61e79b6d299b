using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Fencing;
using HaWitness.Failover;
using HaWitness.Failover.Explain;
using HaWitness.Failover.Planned;
using HaWitness.Failover.Status;
using HaWitness.Operator.Api;

namespace HaWitness.Appliance.Http;

/// <summary>
/// The failover API: <c>GET /api/v1/explain/vm/{name}</c>, <c>GET /api/v1/explain/host/{name}</c>,
/// <c>GET /api/v1/failover</c> (VM states, storage-fence mode, can tolerate k host failures), and
/// the operator's requests (<c>POST /api/v1/maintenance/{host}/enter|exit</c>,
/// <c>POST /api/v1/vms/{name}/migrate/{host}</c>, <c>POST /api/v1/vms/{name}/ha/on|off</c>,
/// <c>POST /api/v1/vms/{name}/priority/{level}</c>). Operator requests answer 200 when committed
/// (or nothing needed doing), 404 for an unknown name, 409 when refused, 503 when this node is not
/// the leader; the body says why either way.
/// </summary>
internal static class FailoverEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/v1/explain/vm/{name}", (string name, ExplainService explain) =>
            Answer(explain.Vm(name)));
        app.MapGet("/api/v1/explain/host/{name}", (string name, ExplainService explain) =>
            Answer(explain.Host(name)));
        app.MapGet("/api/v1/failover", (OperatorState state) => TypedResults.Json(state.Failover(), FailoverJson.Default.FailoverStatus));
        app.MapPost("/api/v1/maintenance/{host}/{action}", async (string host, string action, bool? force, PlannedOperations ops, CancellationToken ct) =>
            action switch
            {
                "enter" => Result(await ops.EnterMaintenanceAsync(host, force ?? false, ct).ConfigureAwait(false)),
                "exit" => Result(await ops.ExitMaintenanceAsync(host, ct).ConfigureAwait(false)),
                _ => Bad($"unknown maintenance action '{action}' (enter | exit)"),
            });
        app.MapPost("/api/v1/vms/{name}/migrate/{host}", async (string name, string host, PlannedOperations ops, CancellationToken ct) =>
            Result(await ops.MigrateAsync(name, host, ct).ConfigureAwait(false)));
        app.MapPost("/api/v1/vms/{name}/ha/{onOff}", async (string name, string onOff, PlannedOperations ops, CancellationToken ct) =>
            onOff is "on" or "off" ? Result(await ops.SetHaAsync(name, onOff == "on", ct).ConfigureAwait(false)) : Bad("ha must be on or off"));
        app.MapPost("/api/v1/vms/{name}/priority/{level}", async (string name, string level, PlannedOperations ops, CancellationToken ct) =>
            OperatorEndpoints.ParsePriority(level) is { } p
                ? Result(await ops.SetPriorityAsync(name, p, ct).ConfigureAwait(false))
                : Bad("priority must be high, medium, low or disabled"));
    }

    private static IResult Answer(ExplainAnswer answer) =>
        TypedResults.Json(answer, FailoverJson.Default.ExplainAnswer, statusCode: answer.Found ? StatusCodes.Status200OK : StatusCodes.Status404NotFound);

    private static IResult Result(OperationResult r) => OperatorEndpoints.Result(r);

    private static IResult Bad(string message) => Result(new OperationResult(false, "bad-request", message, null, 0));
}
