using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Hypervisors.Tests;

/// <summary>Loggers for drivers under test (quiet; the behaviour is asserted, not the log).</summary>
internal static class TestLogging
{
    public static ILoggerFactory Factory { get; } = NullLoggerFactory.Instance;

    public static ILogger<T> For<T>() => NullLogger<T>.Instance;
}
