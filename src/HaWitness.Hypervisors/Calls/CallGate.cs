namespace HaWitness.Hypervisors.Calls;

/// <summary>
/// Bounds every hypervisor call in time. Blocking native calls run on their own thread so that a
/// call wedged inside a library cannot hold the caller; at most <c>maxStuck</c> such threads may
/// be outstanding, after which calls are refused at once instead of piling up threads.
/// </summary>
internal sealed class CallGate
{
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxStuck;

    public CallGate(TimeSpan timeout, int maxStuck, TimeProvider time)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "the call timeout must be positive");
        }

        _timeout = timeout;
        _time = time;
        _maxStuck = Math.Max(1, maxStuck);
        _slots = new SemaphoreSlim(_maxStuck, _maxStuck);
    }

    public TimeSpan Timeout => _timeout;

    /// <summary>Calls whose thread is still inside the library (running or stuck past its timeout).</summary>
    public int InFlight => _maxStuck - _slots.CurrentCount;

    /// <summary>Runs a blocking call on a dedicated thread; returns <see cref="HypervisorErrorKind.Timeout"/> if it does not finish in time.</summary>
    public async Task<HvResult<T>> RunBlockingAsync<T>(string what, Func<HvResult<T>> call, CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            return HvResult<T>.Fail(HypervisorErrorKind.Timeout, $"{what}: refused, {_maxStuck} earlier hypervisor calls are still stuck past their timeout of {_timeout.TotalSeconds:0.###} s");
        }

        var done = new TaskCompletionSource<HvResult<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.TrySetResult(call());
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                done.TrySetResult(HvResult<T>.Fail(HypervisorErrorKind.LibraryMissing, $"{what}: {ex.Message}"));
            }
#pragma warning disable CA1031 // a driver bug must become an error value, not kill the agent from a worker thread
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.TrySetResult(HvResult<T>.Fail(HypervisorErrorKind.Failed, $"{what}: {ex.GetType().Name}: {ex.Message}"));
            }
            finally
            {
                _slots.Release();
            }
        })
        {
            IsBackground = true,
            Name = "hypervisor-call",
        };
        thread.Start();
        return await WithTimeoutAsync(what, done.Task, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Awaits an asynchronous call (a VIX job, a child process) for at most the timeout.</summary>
    public async Task<HvResult<T>> WithTimeoutAsync<T>(string what, Task<HvResult<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call.WaitAsync(_timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return HvResult<T>.Fail(HypervisorErrorKind.Timeout, $"{what}: no answer within {_timeout.TotalSeconds:0.###} s");
        }
    }
}
