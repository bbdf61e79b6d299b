using System.Diagnostics;
using System.Globalization;
using HaWitness.Hypervisors.Tests.Libvirt;
using HaWitness.TestSupport;

namespace HaWitness.Hypervisors.Tests.Bench;

/// <summary>libvirt figures on the real harness: call → guest running (TCG), and the published agent's RSS with the libvirt driver.</summary>
[Collection(LibvirtCollection.Name)]
public sealed class LibvirtBench(LibvirtHarness harness)
{
    [BenchFact]
    [Trait("Category", "Bench")]
    public async Task Libvirt_CallToGuestRunning_MedianOfFive()
    {
        string name = harness.Prefix + "-bench";
        var created = HypervisorDrivers.Create(harness.Options(), TestLogging.Factory, TimeProvider.System);
        await using var driver = created.Value;
        var vm = (await driver.RegisterAsync(VmDefinition.ForLibvirt(name, harness.DomainXml(name)), default)).Value;
        var running = new List<double>();
        var guestUp = new List<double>();
        var disk = new List<double>();
        for (int run = 0; run < 5; run++)
        {
            File.Delete(harness.SerialLog(name));
            var watch = Stopwatch.StartNew();
            var on = await driver.PowerOnAsync(vm, default);
            Assert.True(on.IsOk, on.ToString());
            running.Add(watch.Elapsed.TotalSeconds);
            Assert.True(await harness.WaitForSerialAsync(name, "HAWITNESS-GUEST-UP", TimeSpan.FromSeconds(90)));
            guestUp.Add(watch.Elapsed.TotalSeconds);
            Assert.True(await harness.WaitForSerialAsync(name, "HAWITNESS-GUEST-DISK-OK", TimeSpan.FromSeconds(30)));
            disk.Add(watch.Elapsed.TotalSeconds);
            Assert.True((await driver.PowerOffAsync(vm, PowerOffMode.Hard, default)).IsOk);
        }

        await driver.UnregisterAsync(vm, default);
        string F(List<double> v) => string.Create(CultureInfo.InvariantCulture, $"median {BenchFactAttribute.Median(v):0.00} s [{string.Join(' ', v.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}]");
        BenchFactAttribute.Report($"libvirt (TCG, 5 runs): PowerOnAsync → libvirt says running: {F(running)}");
        BenchFactAttribute.Report($"libvirt (TCG, 5 runs): PowerOnAsync → guest's /init prints on the serial console: {F(guestUp)}");
        BenchFactAttribute.Report($"libvirt (TCG, 5 runs): PowerOnAsync → guest wrote its marker to the iSCSI LUN: {F(disk)}");
    }

    [BenchFact]
    [Trait("Category", "Bench")]
    public async Task Agent_Rss_WithTheLibvirtDriver()
    {
        if (Binaries.PublishedFolder is null)
        {
            BenchFactAttribute.Report("agent RSS: skipped (set HAWITNESS_TEST_BIN to the published binaries)");
            return;
        }

        foreach (var (kind, env) in new[] { ("libvirt", new Dictionary<string, string> { ["LIBVIRT_DEFAULT_URI"] = harness.Uri }), ("sim", new Dictionary<string, string>()) })
        {
            using var dir = new TempDir("hawitness-agentrss");
            using var agent = TestProcess.Start(Binaries.Agent,
                ["--witness", "http://127.0.0.1:8080", "--join-token", "0123456789abcdef0123", "--name", "bench-host", "--hypervisor", kind, "--data", dir.File("agent"), "--raft", "127.0.0.1:7421"],
                env);
            await agent.WaitForLineAsync(l => l.Contains($"Hypervisor {kind} ready", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            await Task.Delay(1000);
            string rss = File.ReadAllLines($"/proc/{agent.Pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            BenchFactAttribute.Report($"agent RSS (published AOT, --hypervisor {kind}, 1 s after the driver answered): {rss["VmRSS:".Length..].Trim()}");
            agent.Signal(Posix.SIGTERM);
            await agent.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }
    }
}
