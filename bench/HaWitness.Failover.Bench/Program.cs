using BenchmarkDotNet.Running;

namespace HaWitness.Failover.Bench;

/// <summary><c>dotnet run -c Release -- [BenchmarkDotNet args]</c> (scripts/bench-failover.sh).</summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
