namespace HaWitness.Hypervisors.Tests.Bench;

/// <summary>
/// A measurement, not a test: it runs only when <c>HAWITNESS_TEST_BENCH</c> names a file to append
/// figures to (scripts/bench-hypervisors.sh sets it); otherwise it reports as skipped. Nothing is
/// asserted on time.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (string.IsNullOrEmpty(Output))
        {
            Skip = "benchmark: run scripts/bench-hypervisors.sh";
        }
    }

    public static string? Output => Environment.GetEnvironmentVariable("HAWITNESS_TEST_BENCH");

    public static void Report(string line) => File.AppendAllText(Output!, line + Environment.NewLine);

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
