namespace HaWitness.Agent.Runtime.Watchdog;

/// <summary>
/// A watchdog that resets the host unless it is petted within <see cref="Timeout"/>: the kernel's
/// <c>/dev/watchdog</c> (a hardware timer or softdog), or a test device.
/// </summary>
public interface IWatchdogDevice : IDisposable
{
    /// <summary>The device's path, for logs.</summary>
    string Name { get; }

    /// <summary>How long after the last pet the host is reset.</summary>
    TimeSpan Timeout { get; }

    /// <summary>Postpones the reset by <see cref="Timeout"/>.</summary>
    void Pet();

    /// <summary>Clean shutdown: disarms the watchdog where the driver allows it (magic close).</summary>
    void Disarm();
}
