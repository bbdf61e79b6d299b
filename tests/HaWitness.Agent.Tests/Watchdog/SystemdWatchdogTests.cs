using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using HaWitness.Agent.Runtime.Watchdog;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Agent.Tests.Watchdog;

/// <summary>
/// systemd's service watchdog: what the environment turns it on, and the pings on a real unix
/// datagram socket standing in for systemd's notify socket (real clock, a 400 ms WatchdogSec).
/// </summary>
public sealed class SystemdWatchdogTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(400);
    private readonly TempDir _dir = new();
    private readonly Socket _systemd = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

    public SystemdWatchdogTests() => _systemd.Bind(new UnixDomainSocketEndPoint(_dir.File("notify")));

    public void Dispose()
    {
        _systemd.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Read_takes_socket_and_timeout_from_systemds_variables()
    {
        var env = new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = "/run/systemd/notify", ["WATCHDOG_USEC"] = "30000000", ["WATCHDOG_PID"] = "42" };

        Assert.Equal(new SystemdWatchdogSettings("/run/systemd/notify", TimeSpan.FromSeconds(30)), SystemdWatchdog.Read(k => env.GetValueOrDefault(k), 42));
        Assert.Null(SystemdWatchdog.Read(k => env.GetValueOrDefault(k), 43));
        env.Remove("WATCHDOG_PID");
        Assert.NotNull(SystemdWatchdog.Read(k => env.GetValueOrDefault(k), 43));
        env["WATCHDOG_USEC"] = "0";
        Assert.Null(SystemdWatchdog.Read(k => env.GetValueOrDefault(k), 43));
        env["WATCHDOG_USEC"] = "30000000";
        env.Remove("NOTIFY_SOCKET");
        Assert.Null(SystemdWatchdog.Read(k => env.GetValueOrDefault(k), 43));
    }

    [Fact]
    public async Task Pings_at_half_the_timeout_while_the_loops_make_progress_and_stops_when_they_stall()
    {
        // The loops' progress as the watchdog reads it: fresh (zero) while they turn, and the time
        // since they stalled once stalled — independent of when this test's thread gets to run.
        bool turning = true;
        var stalled = new Stopwatch();
        using var watchdog = new SystemdWatchdog(new SystemdWatchdogSettings(_dir.File("notify"), Timeout),
            () => Volatile.Read(ref turning) ? TimeSpan.Zero : stalled.Elapsed, TimeProvider.System, NullLogger<SystemdWatchdog>.Instance);
        var clock = Stopwatch.StartNew();
        await watchdog.StartAsync(CancellationToken.None);

        // Progress keeps coming: a ping at once, then every 200 ms — so the fourth cannot have been
        // sent before 600 ms (when this thread reads them does not matter: they queue).
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("WATCHDOG=1", await ReceiveAsync(TimeSpan.FromSeconds(5)));
        }

        Assert.True(clock.Elapsed >= Timeout / 2 * 3 * 0.9, $"4 pings within {clock.Elapsed.TotalMilliseconds} ms: not paced at half the timeout");

        // No more progress: once it is older than the timeout, the pings stop.
        stalled.Restart();
        Volatile.Write(ref turning, false);
        await Task.Delay(Timeout * 2);
        while (await ReceiveAsync(TimeSpan.FromMilliseconds(50)) is not null)
        {
            // Drain what was sent while the progress was still fresh.
        }

        Assert.Null(await ReceiveAsync(Timeout * 2));

        // Progress again: the pings resume.
        Volatile.Write(ref turning, true);
        Assert.Equal("WATCHDOG=1", await ReceiveAsync(TimeSpan.FromSeconds(5)));
        await watchdog.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_missing_socket_does_not_stop_the_agent()
    {
        using var watchdog = new SystemdWatchdog(new SystemdWatchdogSettings(_dir.File("gone"), Timeout), () => TimeSpan.Zero, TimeProvider.System, NullLogger<SystemdWatchdog>.Instance);
        await watchdog.StartAsync(CancellationToken.None);
        await Task.Delay(Timeout);

        Assert.False(watchdog.ExecuteTask!.IsCompleted);
        await watchdog.StopAsync(CancellationToken.None);
        Assert.True(watchdog.ExecuteTask.IsCompletedSuccessfully);
    }

    /// <summary>The next datagram, or null when none comes within the wait.</summary>
    private async Task<string?> ReceiveAsync(TimeSpan wait)
    {
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(wait);
        try
        {
            int n = await _systemd.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
