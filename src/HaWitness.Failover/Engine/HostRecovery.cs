namespace HaWitness.Failover.Engine;

/// <summary>
/// What the engine holds in memory about one host while it recovers it: the storage fence in
/// flight, the grant of its re-admission, the failure whose alarm was raised, and what was
/// journaled once. Made on demand, dropped once empty or once the host is gone.
/// </summary>
internal sealed class HostRecovery
{
    public FenceAttempt? Fence { get; set; }

    public GrantAttempt? Grant { get; set; }

    /// <summary>The log index of the <c>HostFailed</c> whose alarm was raised (0: none).</summary>
    public long AlarmedFailure { get; set; }

    public SaidOnce Said { get; } = new();

    public bool IsEmpty => Fence is null && Grant is null && AlarmedFailure == 0 && Said.IsEmpty;

    /// <summary>
    /// Leadership changed: the attempts and what was said start over; the alarmed failure stays,
    /// so a failure is alarmed once per appliance run, as before the records.
    /// </summary>
    public void Forget()
    {
        Fence = null;
        Grant = null;
        Said.Clear();
    }
}
