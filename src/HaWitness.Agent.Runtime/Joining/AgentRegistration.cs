using HaWitness.Agent.Runtime.Isolation;
using HaWitness.Agent.Runtime.Reconcile;
using HaWitness.Agent.Runtime.Seams;

namespace HaWitness.Agent.Runtime.Joining;

/// <summary>
/// Keeps the current generation registered with the leader: admits it after the first join,
/// and joins again after a self-fence or when the leader refuses this generation. When the
/// leader declared this generation failed, fences first (its VMs run elsewhere now).
/// </summary>
public sealed partial class AgentRegistration
{
    private readonly AgentState _state;
    private readonly IRegistrar _registrar;
    private readonly SelfFencer _fencer;
    private readonly Reconciler _reconciler;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private volatile string? _fenceBeforeRejoin;
    private bool _first = true;

    /// <summary>Creates the loop; the first join is done already (by the caller).</summary>
    public AgentRegistration(AgentState state, IRegistrar registrar, SelfFencer fencer, Reconciler reconciler, ILogger<AgentRegistration> logger)
    {
        _state = state;
        _registrar = registrar;
        _fencer = fencer;
        _reconciler = reconciler;
        _logger = logger;
    }

    /// <summary>
    /// The leader refused this generation's heartbeat (<c>generation_failed</c>: declared failed,
    /// fence before joining again; <c>generation_superseded</c>, <c>unknown_member</c>: join again).
    /// </summary>
    public void Refused(string error, string message)
    {
        if (error == "generation_failed")
        {
            _fenceBeforeRejoin = message;
        }

        _state.MarkUnregistered();
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>Runs until cancelled: a step whenever something is to do, else every 500 ms.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!await StepAsync(ct).ConfigureAwait(false))
                {
                    await _signal.WaitAsync(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (JoinRefusedException ex)
            {
                LogRejoinRefused(_logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), _state.Time, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One step: the pending fence, then a join (not before the first admission) and an admission
    /// while this generation is not registered. True when it had something to do (the loop goes
    /// on at once), false when registered and idle.
    /// </summary>
    /// <exception cref="JoinRefusedException">A join was refused for good.</exception>
    public async Task<bool> StepAsync(CancellationToken ct)
    {
        if (_fenceBeforeRejoin is { } why)
        {
            await _fencer.FenceAsync("the leader declared this host failed: " + why, [], ct).ConfigureAwait(false);
            _fenceBeforeRejoin = null;
        }

        if (_state.Registered)
        {
            return false;
        }

        if (!_first)
        {
            await _registrar.JoinAsync(ct).ConfigureAwait(false);
        }

        _first = false;
        if (await _registrar.AdmitAsync(ct).ConfigureAwait(false))
        {
            _reconciler.Wake();
        }

        return true;
    }

    [LoggerMessage(EventId = 2701, Level = LogLevel.Error, Message = "Re-join refused: {Reason}; retrying")]
    private static partial void LogRejoinRefused(ILogger logger, string reason);
}
