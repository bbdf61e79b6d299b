using System.Diagnostics;
using System.Globalization;
using HaWitness.Hypervisors.Tests.Vix;
using HaWitness.TestSupport;

namespace HaWitness.Hypervisors.Tests.Bench;

/// <summary>Driver calls per second through the real P/Invoke path, the shim and callbacks, against the TEST DOUBLE libvix.</summary>
[Collection(VixTestCollection.Name)]
public sealed class VixBench
{
    [BenchFact]
    [Trait("Category", "Bench")]
    public async Task VixPath_CallsPerSecond()
    {
        using var dir = new TempDir("hawitness-vixbench");
        string vmx = dir.File("bench.vmx");
        File.WriteAllText(vmx, "displayName = \"bench\"\n");
        var created = HypervisorDrivers.Create(TestLibvix.TestLibvix.Options(), TestLogging.Factory, TimeProvider.System);
        await using var driver = created.Value;
        var vm = (await driver.RegisterAsync(VmDefinition.ForVix("bench", vmx), default)).Value;
        for (int i = 0; i < 200; i++)
        {
            await driver.PowerOnAsync(vm, default); // warm-up
        }

        var rates = new List<double>();
        var jobRates = new List<double>();
        const int calls = 2000;
        for (int run = 0; run < 5; run++)
        {
            long jobs = TestLibvix.TestLibvix.JobsStarted();
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < calls / 2; i++)
            {
                Assert.True((await driver.PowerOnAsync(vm, default)).IsOk);
                Assert.True((await driver.PowerOffAsync(vm, PowerOffMode.Hard, default)).IsOk);
            }

            watch.Stop();
            rates.Add(calls / watch.Elapsed.TotalSeconds);
            jobRates.Add((TestLibvix.TestLibvix.JobsStarted() - jobs) / watch.Elapsed.TotalSeconds);
        }

        BenchFactAttribute.Report(string.Create(CultureInfo.InvariantCulture,
            $"vix (test libvix): {BenchFactAttribute.Median(rates):0} driver calls/s (power on/off, one caller, median of 5 x {calls}; each call = open job + power job + 2 callbacks): {BenchFactAttribute.Median(jobRates):0} VIX jobs/s; runs: {string.Join(' ', rates.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))}"));
    }
}
