namespace HaWitness.Agent.Runtime.Watchdog;

/// <summary>
/// Pets the watchdog only while this agent has a live reason for its host's VMs to run, so that an
/// agent that died or hung cannot leave them running unseen:
/// <list type="bullet">
/// <item>before its first lease (joining, or the appliance unreachable at boot): the agent is alive;</item>
/// <item>while its lease holds;</item>
/// <item>after it fenced itself successfully (its HA VMs are off);</item>
/// <item>after its lease lapsed, only while its isolation monitor's latest verdict is "keep running"
/// (no peer has a leader) and fresh: the monitor must keep confirming it.</item>
/// </list>
/// A self-fence that failed (listing or powering off failed, or overran its bound) escalates: no
/// pet ever again, so the watchdog resets the host. Pets are withheld from the moment the lease
/// lapses until the monitor's verdict, so a dead agent's host is reset at most
/// <see cref="IWatchdogDevice.Timeout"/> after its lease expired: the power-off bound the agent
/// reports to the appliance is at least that long (<see cref="ReportedPowerOffBoundMs"/>).
/// </summary>
public sealed partial class WatchdogPetter
{
    private readonly IWatchdogDevice _device;
    private readonly AgentState _state;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private long? _keptAt;
    private string? _escalated;
    private string? _lastWithheld;
    private bool _closed;

    /// <summary>Creates the petter over an opened (armed) device.</summary>
    public WatchdogPetter(IWatchdogDevice device, AgentState state, ILogger<WatchdogPetter> logger)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
        _state = state;
        _logger = logger;
    }

    /// <summary>How often the watchdog is petted: a quarter of its timeout.</summary>
    public TimeSpan PetInterval => TimeSpan.FromMilliseconds(Math.Max(50, _device.Timeout.TotalMilliseconds / 4));

    /// <summary>How many pets were written (for tests and the log).</summary>
    public long Pets { get; private set; }

    /// <summary>
    /// T_off the agent reports when a watchdog is armed: a dead agent's host is reset at most one
    /// watchdog timeout after its lease lapsed, so the appliance must wait at least that long.
    /// </summary>
    public static int ReportedPowerOffBoundMs(int powerOffBoundMs, TimeSpan watchdogTimeout) =>
        Math.Max(powerOffBoundMs, (int)Math.Ceiling(watchdogTimeout.TotalMilliseconds));

    /// <summary>The isolation monitor decided to keep the VMs running (no peer has a leader).</summary>
    public void Kept()
    {
        lock (_lock)
        {
            _keptAt = _state.Time.GetTimestamp();
        }
    }

    /// <summary>A self-fence failed: stop petting for good, so the watchdog resets the host.</summary>
    public void Escalate(string reason)
    {
        lock (_lock)
        {
            if (_escalated is not null)
            {
                return;
            }

            _escalated = reason;
        }

        LogEscalated(_logger, reason, (long)_device.Timeout.TotalMilliseconds);
    }

    /// <summary>Why the watchdog is not petted now, or null when it is.</summary>
    public string? Withheld()
    {
        lock (_lock)
        {
            if (_escalated is { } failed)
            {
                return "the self-fence failed (" + failed + "): the watchdog resets the host";
            }

            var lease = _state.Lease;
            if (!lease.EverHeld || lease.IsValid || _state.SelfFenced)
            {
                return null;
            }

            var fresh = TimeSpan.FromMilliseconds(_state.Timings.ProbeIntervalMs + _state.Timings.ProbeTimeoutMs) + PetInterval;
            if (_keptAt is { } kept && _state.Time.GetElapsedTime(kept) <= fresh && _state.Time.GetElapsedTime(kept) <= -lease.Remaining)
            {
                return null; // a verdict made after the lease lapsed, and confirmed lately
            }

            return $"lease expired {(long)-lease.Remaining.TotalMilliseconds} ms ago and no isolation verdict keeps the VMs";
        }
    }

    /// <summary>One pass: pets unless <see cref="Withheld"/> says why not.</summary>
    public void Tick()
    {
        string? why = Withheld();
        if (why is null)
        {
            _device.Pet();
            Pets++;
            if (_lastWithheld is not null)
            {
                _lastWithheld = null;
                LogResumed(_logger, _device.Name);
            }

            return;
        }

        if (why != _lastWithheld)
        {
            _lastWithheld = why;
            LogWithheld(_logger, _device.Name, why);
        }
    }

    /// <summary>Pets every <see cref="PetInterval"/> until cancelled, then disarms (a clean stop must not reset the host) unless escalated.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        LogArmed(_logger, _device.Name, (long)_device.Timeout.TotalMilliseconds);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                Tick();
            }
            catch (IOException ex)
            {
                LogPetFailed(_logger, _device.Name, ex.Message);
            }

            try
            {
                await Task.Delay(PetInterval, _state.Time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
        }

        Close();
    }

    /// <summary>
    /// A clean stop: disarms the watchdog (magic close), unless a self-fence failed — then the
    /// device is closed without the magic character and the timer runs on to the reset. Idempotent.
    /// </summary>
    public void Close()
    {
        bool escalated;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            escalated = _escalated is not null;
        }

        if (escalated)
        {
            _device.Dispose();
            return;
        }

        _device.Disarm();
        LogDisarmed(_logger, _device.Name);
    }

    [LoggerMessage(EventId = 2800, Level = LogLevel.Information, Message = "Watchdog {Device} armed: timeout {TimeoutMs} ms")]
    private static partial void LogArmed(ILogger logger, string device, long timeoutMs);

    [LoggerMessage(EventId = 2801, Level = LogLevel.Critical, Message = "Watchdog pets withheld on {Device}: {Reason}")]
    private static partial void LogWithheld(ILogger logger, string device, string reason);

    [LoggerMessage(EventId = 2802, Level = LogLevel.Warning, Message = "Watchdog {Device} petted again")]
    private static partial void LogResumed(ILogger logger, string device);

    [LoggerMessage(EventId = 2803, Level = LogLevel.Critical, Message = "Self-fence failed ({Reason}): escalating to the watchdog, the host resets within {TimeoutMs} ms")]
    private static partial void LogEscalated(ILogger logger, string reason, long timeoutMs);

    [LoggerMessage(EventId = 2804, Level = LogLevel.Information, Message = "Watchdog {Device} disarmed (clean stop)")]
    private static partial void LogDisarmed(ILogger logger, string device);

    [LoggerMessage(EventId = 2805, Level = LogLevel.Error, Message = "Watchdog {Device}: pet failed: {Error}")]
    private static partial void LogPetFailed(ILogger logger, string device, string error);
}
