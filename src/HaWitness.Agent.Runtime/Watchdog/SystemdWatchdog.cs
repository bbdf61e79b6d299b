using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;

namespace HaWitness.Agent.Runtime.Watchdog;

/// <summary>What systemd asked for: where to send notifications and the unit's <c>WatchdogSec</c>.</summary>
/// <param name="Socket">The <c>NOTIFY_SOCKET</c> path (<c>@</c> first: an abstract socket).</param>
/// <param name="Timeout">The unit's watchdog timeout (<c>WATCHDOG_USEC</c>).</param>
public sealed record SystemdWatchdogSettings(string Socket, TimeSpan Timeout);

/// <summary>
/// Keeps systemd's service watchdog (<c>WatchdogSec=</c>) fed: sends <c>WATCHDOG=1</c> to
/// <c>NOTIFY_SOCKET</c> every half <c>WATCHDOG_USEC</c>, but only while the agent makes progress
/// (its loops mark it; see <see cref="AgentState.MarkProgress"/>): a process that is alive but whose
/// loops are stuck stops pinging, and systemd kills and restarts it. Microsoft.Extensions.Hosting.Systemd
/// sends <c>READY=1</c> and <c>STOPPING=1</c> only, never <c>WATCHDOG=1</c>. This is systemd's watchdog
/// over the process, not the kernel watchdog over the host (<see cref="WatchdogPetter"/>).
/// </summary>
public sealed partial class SystemdWatchdog : BackgroundService
{
    private readonly SystemdWatchdogSettings _settings;
    private readonly Func<TimeSpan> _sinceProgress;
    private readonly TimeProvider _time;
    private readonly ILogger<SystemdWatchdog> _logger;

    /// <summary>Creates the pinger; nothing is sent until the host starts it.</summary>
    /// <param name="settings">From <see cref="Read"/>.</param>
    /// <param name="sinceProgress">How long ago the agent's loops last made progress.</param>
    /// <param name="time">The clock the pauses run on.</param>
    /// <param name="logger">Where a stall or a send failure is reported.</param>
    public SystemdWatchdog(SystemdWatchdogSettings settings, Func<TimeSpan> sinceProgress, TimeProvider time, ILogger<SystemdWatchdog> logger)
    {
        _settings = settings;
        _sinceProgress = sinceProgress;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The settings systemd passes in the environment, or null when there is no watchdog for this
    /// process: no <c>NOTIFY_SOCKET</c>, no (or a zero or unparsable) <c>WATCHDOG_USEC</c>, or a
    /// <c>WATCHDOG_PID</c> naming another process.
    /// </summary>
    public static SystemdWatchdogSettings? Read(Func<string, string?> environment, int processId)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? socket = environment("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(socket)
            || !long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out long usec) || usec <= 0)
        {
            return null;
        }

        string? pid = environment("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return new SystemdWatchdogSettings(socket, TimeSpan.FromMicroseconds(usec));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var endPoint = new UnixDomainSocketEndPoint(_settings.Socket[0] == '@' ? "\0" + _settings.Socket[1..] : _settings.Socket);
        byte[] ping = Encoding.ASCII.GetBytes("WATCHDOG=1");
        var interval = _settings.Timeout / 2;
        bool stalled = false;
        bool failing = false;
        LogStarted(_logger, (long)_settings.Timeout.TotalMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Progress older than the whole timeout: the loops are stuck; let systemd act.
            var since = _sinceProgress();
            if (since < _settings.Timeout)
            {
                stalled = false;
                try
                {
                    await socket.SendToAsync(ping, SocketFlags.None, endPoint, stoppingToken).ConfigureAwait(false);
                    failing = false;
                }
                catch (SocketException ex) when (!failing)
                {
                    failing = true;
                    LogSendFailed(_logger, _settings.Socket, ex.Message);
                }
                catch (SocketException)
                {
                    // Reported when the failures began.
                }
            }
            else if (!stalled)
            {
                stalled = true;
                LogStalled(_logger, (long)since.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "systemd watchdog: pinging every half of {TimeoutMs} ms while the agent's loops make progress")]
    private static partial void LogStarted(ILogger logger, long timeoutMs);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "systemd watchdog: the agent's loops made no progress for {SinceMs} ms; no longer pinging, systemd will restart the agent")]
    private static partial void LogStalled(ILogger logger, long sinceMs);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "systemd watchdog: cannot notify {Socket}: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string socket, string reason);
}
