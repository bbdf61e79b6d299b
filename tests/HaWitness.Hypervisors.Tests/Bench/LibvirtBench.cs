using System.Diagnostics;
using System.Globalization;
using HaWitness.Hypervisors.Tests.Libvirt;

namespace HaWitness.Hypervisors.Tests.Bench;

/// <summary>libvirt figures on the real harness: call → guest running (TCG guest on an iSCSI LUN).</summary>
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
}
