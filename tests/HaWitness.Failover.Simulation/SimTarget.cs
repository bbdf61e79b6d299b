using System.Text.Json.Nodes;
using HaWitness.Core.Fencing;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// The iSCSI target behind <see cref="IStorageFencer"/>: which initiators may write. A fence takes
/// effect when it completes (the conservative choice: until then the host can write); slow and
/// failing fences are faults the schedule turns on. An operation the appliance started still
/// completes on the target when the appliance crashes meanwhile, as an SSH command would.
/// </summary>
internal sealed class SimTarget(World world, bool configured) : IStorageFencer
{
    private readonly HashSet<string> _revoked = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, FenceRequest Request, bool Fence, TaskCompletionSource<FenceOutcome> Done)> _inFlight = [];

    public bool IsConfigured { get; } = configured;

    /// <summary>Fence latency (slow target).</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>While true every fence and unfence fails (SSH down, target refuses).</summary>
    public bool Failing { get; set; }

    public int Fences { get; private set; }

    /// <summary>Whether the host's initiator can write (always, with no target configured: nothing stops it).</summary>
    public bool CanWrite(string iqn) => !IsConfigured || !_revoked.Contains(iqn);

    public Task<FenceOutcome> FenceAsync(FenceRequest request, CancellationToken cancellationToken) => Start(request, fence: true);

    public Task<FenceOutcome> UnfenceAsync(FenceRequest request, CancellationToken cancellationToken) => Start(request, fence: false);

    /// <summary>Completes the operations that are due.</summary>
    public void Step(DateTimeOffset now)
    {
        for (int i = 0; i < _inFlight.Count; i++)
        {
            var op = _inFlight[i];
            if (op.At > now)
            {
                continue;
            }

            _inFlight.RemoveAt(i--);
            if (Failing)
            {
                op.Done.TrySetResult(new FenceOutcome(false, false, "target unreachable", new JsonObject { ["target"] = "sim" }, "ssh: connection refused"));
                continue;
            }

            bool noOp;
            if (op.Fence)
            {
                noOp = !_revoked.Add(op.Request.InitiatorIqn);
                Fences++;
            }
            else
            {
                world.CheckReadmission(op.Request.Host, "initiator granted again");
                noOp = !_revoked.Remove(op.Request.InitiatorIqn);
            }

            op.Done.TrySetResult(new FenceOutcome(true, noOp,
                op.Fence ? $"{op.Request.InitiatorIqn} revoked, 0 sessions left" : $"{op.Request.InitiatorIqn} granted",
                new JsonObject { ["sessionsAfter"] = 0, ["target"] = "sim" }));
        }
    }

    private Task<FenceOutcome> Start(FenceRequest request, bool fence)
    {
        var done = new TaskCompletionSource<FenceOutcome>();
        _inFlight.Add((world.Now + Latency, request, fence, done));
        return done.Task;
    }
}
