// Server-side cost of the operators' page and status body for a large cluster: renders the status
// page (StatusPage.Render, as GET / does after reading its snapshot) and serialises the status
// report (the body of GET /api/v1/status) for a synthetic snapshot, after a warm-up, and prints
// medians and percentiles. JIT (tiered, after warm-up), not the appliance's AOT code.
// Usage: dotnet run -c Release --project bench/HaWitness.Operator.Bench -- [hosts] [vms] [seconds]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HaWitness.Core.Status;
using HaWitness.Operator.Bench;
using HaWitness.Operator.Page;

int hosts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;
int vmCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
double seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 5;
if (hosts < 8 || vmCount < 1 || seconds <= 0)
{
    Console.Error.WriteLine("usage: HaWitness.Operator.Bench [hosts >= 8] [vms >= 1] [seconds > 0]");
    return 2;
}

var snapshot = SyntheticCluster.Build(hosts, vmCount);
string page = StatusPage.Render(snapshot, Viewer.Reader);
byte[] body = JsonSerializer.SerializeToUtf8Bytes(snapshot.Status, HaWitnessJson.Default.StatusReport);
var counts = string.Join(", ", snapshot.Status.Hosts.GroupBy(h => h.State).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} {g.Key}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"cluster: {hosts} hosts ({counts}), {vmCount} VMs ({snapshot.Status.Vms.Count(v => v.State == "running")} running), {snapshot.Alarms.Count} active alarms, {snapshot.Latest.Count} latest decisions"));

Report("status page render (StatusPage.Render)", Measure(() => StatusPage.Render(snapshot, Viewer.Reader).Length, seconds), Encoding.UTF8.GetByteCount(page));
Report("status JSON (the /api/v1/status body)", Measure(() => JsonSerializer.SerializeToUtf8Bytes(snapshot.Status, HaWitnessJson.Default.StatusReport).Length, seconds / 2), body.Length);
return 0;

// Warm-up for a fifth of the time (tier-1 JIT, caches), then timed calls until the time is up.
static (double[] Ms, long AllocatedPerCall) Measure(Func<int> work, double seconds)
{
    var warm = Stopwatch.StartNew();
    while (warm.Elapsed.TotalSeconds < Math.Max(0.5, seconds / 5))
    {
        work();
    }

    var samples = new List<double>(4096);
    long allocated = GC.GetAllocatedBytesForCurrentThread();
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < seconds || samples.Count < 20)
    {
        long t = Stopwatch.GetTimestamp();
        work();
        samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
    }

    long perCall = (GC.GetAllocatedBytesForCurrentThread() - allocated) / samples.Count;
    double[] ms = [.. samples];
    Array.Sort(ms);
    return (ms, perCall);
}

static void Report(string what, (double[] Ms, long AllocatedPerCall) r, long bytes)
{
    double P(double p) => r.Ms[Math.Min(r.Ms.Length - 1, (int)Math.Ceiling(p * r.Ms.Length) - 1)];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{what}: median {P(0.50):F2} ms, p95 {P(0.95):F2} ms, p99 {P(0.99):F2} ms, min {r.Ms[0]:F2} ms ({r.Ms.Length} calls); {bytes / 1024.0:F0} KiB, {r.AllocatedPerCall / 1048576.0:F1} MiB allocated per call"));
}
