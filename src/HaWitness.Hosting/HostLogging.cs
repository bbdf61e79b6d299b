using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HaWitness.Hosting;

/// <summary>
/// Logging shared by both binaries: one line per message with a timestamp on a terminal;
/// under systemd, the journald-friendly format with priorities (Microsoft.Extensions.Hosting.Systemd
/// switches to it when it detects it runs as a unit).
/// </summary>
public static class HostLogging
{
    /// <summary>Configures logging and systemd integration on a host builder's services.</summary>
    public static void Configure(ILoggingBuilder logging, IServiceCollection services)
    {
        ConfigureLogging(logging);
        services.AddSystemd();
    }

    /// <summary>The console logging both binaries use (also for a factory made before the host).</summary>
    public static void ConfigureLogging(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
    }
}
