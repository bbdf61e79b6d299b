using System.Collections.Concurrent;
using HaWitness.Cluster.Grants;
using HaWitness.Cluster.State;
using HaWitness.Core.Fencing;

namespace HaWitness.Cluster.Tests.Grants;

/// <summary>Test double of the storage target: the first <c>failures</c> grants come back unverified (or throw), then each is verified.</summary>
internal sealed class FailingThenGrantingFencer(int failures, bool throwOnFailure = false) : IStorageFencer
{
    private int _calls;

    public bool IsConfigured => true;

    /// <summary>Every request, with the method it came through (<c>grant</c> or <c>unfence</c>).</summary>
    public ConcurrentQueue<(string Method, FenceRequest Request)> Calls { get; } = new();

    public int Count => Volatile.Read(ref _calls);

    public Task<FenceOutcome> FenceAsync(FenceRequest request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the grant path never fences");

    public Task<FenceOutcome> UnfenceAsync(FenceRequest request, CancellationToken cancellationToken) => Answer("unfence", request);

    public Task<FenceOutcome> GrantAsync(FenceRequest request, CancellationToken cancellationToken) => Answer("grant", request);

    private Task<FenceOutcome> Answer(string method, FenceRequest request)
    {
        Calls.Enqueue((method, request));
        int n = Interlocked.Increment(ref _calls);
        if (n <= failures)
        {
            return throwOnFailure
                ? throw new IOException($"target unreachable (call {n})")
                : Task.FromResult(new FenceOutcome(false, false, $"grant of {request.Host} not verified (call {n})",
                    new() { ["verified"] = false, ["call"] = n }, $"the target's re-read does not show {request.InitiatorIqn} (call {n})"));
        }

        return Task.FromResult(new FenceOutcome(true, false, $"{request.InitiatorIqn} granted on every target", new() { ["verified"] = true, ["call"] = n }));
    }
}

/// <summary>Test double of the alarm delivery: records every alarm.</summary>
internal sealed class RecordingGrantAlarms : IGrantAlarms
{
    public ConcurrentQueue<(string Host, string Summary)> Raised { get; } = new();

    public void GrantFailed(string host, string summary) => Raised.Enqueue((host, summary));
}

/// <summary>Test double of the replicated log: commands applied in order to a real state machine.</summary>
internal sealed class StateLog : ICommandLog
{
    private readonly ClusterState _state = new();
    private long _index;

    public ClusterView View
    {
        get
        {
            lock (_state)
            {
                return _state.View;
            }
        }
    }

    public Task<Commit> ProposeAsync(ClusterCommand command, CancellationToken cancellationToken)
    {
        lock (_state)
        {
            long index = ++_index;
            return Task.FromResult(new Commit(index, _state.Apply(index, command)));
        }
    }

    public ApplyResult Apply(ClusterCommand command) => ProposeAsync(command, CancellationToken.None).Result.Result;
}

/// <summary>Test double of Raft membership: every member is added.</summary>
internal sealed class AcceptingMembership(System.Net.IPEndPoint own) : IMembership
{
    private readonly List<System.Net.IPEndPoint> _added = [];

    public Task<bool> AddMemberAsync(System.Net.IPEndPoint endPoint, string identity, CancellationToken cancellationToken)
    {
        _added.Add(endPoint);
        return Task.FromResult(true);
    }

    public Task<bool> RemoveMemberAsync(System.Net.IPEndPoint endPoint, CancellationToken cancellationToken) => Task.FromResult(true);

    public void EndAdmission(System.Net.IPEndPoint endPoint)
    {
    }

    public bool IsMember(System.Net.IPEndPoint endPoint) => _added.Contains(endPoint);

    public bool IsOwnEndPoint(System.Net.IPEndPoint endPoint) => endPoint.Equals(own);
}
