using System.Diagnostics;
using System.Text;
using HaWitness.TestSupport;
using static HaWitness.Hypervisors.Tests.DriverAssert;

namespace HaWitness.Hypervisors.Tests.Libvirt;

/// <summary>
/// The libvirt driver for real: a libvirtd started by the harness without systemd, a tiny TCG guest
/// whose disk is an iSCSI LUN from a real tgtd, defined, started, listed, stopped and undefined.
/// </summary>
[Collection(LibvirtCollection.Name)]
public sealed class LibvirtDriverTests(LibvirtHarness harness)
{
    [Fact]
    public async Task Lifecycle_GuestOnAnIscsiDisk_RunsAsThisHostsInitiator()
    {
        string name = harness.Prefix + "-vm1";
        await using var driver = Create();

        // The committed XML carries another host's initiator; defining it here rewrites it to ours,
        // which is the only one the target grants.
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForLibvirt(name, harness.DomainXml(name)), default));
        Assert.Equal(VmPowerState.Off, (await StateAsync(driver, name))?.State);
        var (_, dumped, _) = await LibvirtHarness.RunAsync("virsh", "-c", harness.Uri, "dumpxml", name);
        Assert.Contains(LibvirtHarness.HostIqn, dumped, StringComparison.Ordinal);
        Assert.DoesNotContain("placeholder", dumped, StringComparison.Ordinal);

        // What this host reports for a VM the cluster does not know yet: a definition another host can start.
        var described = await Ok(driver.DescribeAsync(vm, default));
        Assert.Equal((name, VmKind.Libvirt), (described.Name, described.Kind));
        Assert.Null(described.Validate());
        Assert.Contains(LibvirtHarness.HostIqn, described.DomainXml, StringComparison.Ordinal);

        await Ok(driver.PowerOnAsync(vm, default));
        Assert.Equal(VmPowerState.Running, (await StateAsync(driver, name))?.State);
        Assert.True(await harness.WaitForSerialAsync(name, "HAWITNESS-GUEST-DISK-OK", TimeSpan.FromSeconds(60)), File.ReadAllText(harness.SerialLog(name)));
        Assert.Equal(name, ReadLunMarker(name.Length)); // the guest's write reached the LUN through tgtd

        await Ok(driver.PowerOnAsync(vm, default)); // already running: success
        await Ok(driver.SuspendAsync(vm, default));
        Assert.Equal(VmPowerState.Paused, (await StateAsync(driver, name))?.State);
        await Ok(driver.PowerOnAsync(vm, default)); // resumes
        Assert.Equal(VmPowerState.Running, (await StateAsync(driver, name))?.State);

        var refused = await driver.UnregisterAsync(vm, default);
        Assert.Equal(HypervisorErrorKind.InvalidState, refused.Error?.Kind);

        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Hard, default));
        Assert.Equal(VmPowerState.Off, (await StateAsync(driver, name))?.State);
        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Hard, default)); // already off: success

        await Ok(driver.UnregisterAsync(vm, default));
        Assert.Null(await StateAsync(driver, name));
        await Ok(driver.UnregisterAsync(vm, default)); // not defined: success
    }

    [Fact]
    public async Task Register_Twice_RedefinesTheSameDomain()
    {
        string name = harness.Prefix + "-redefine";
        await using var driver = Create();
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForLibvirt(name, harness.DomainXml(name)), default));

        await Ok(driver.RegisterAsync(VmDefinition.ForLibvirt(name, harness.DomainXml(name)), default));

        Assert.Single(await Ok(driver.ListAsync(default)), s => s.Vm.Name == name);
        await Ok(driver.UnregisterAsync(vm, default));
    }

    [Fact]
    public async Task PowerOn_WhenTheKernelIsMissing_ReturnsStartFailedWithLibvirtsReason()
    {
        string name = harness.Prefix + "-nokernel";
        await using var driver = Create();
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForLibvirt(name, harness.DomainXml(name, kernel: "/nonexistent/vmlinuz")), default));

        var result = await driver.PowerOnAsync(vm, default);

        Assert.Equal(HypervisorErrorKind.StartFailed, result.Error?.Kind);
        Assert.Contains("/nonexistent/vmlinuz", result.Error?.Message, StringComparison.Ordinal);
        Assert.NotNull(result.Error?.NativeCode);
        Assert.Equal(VmPowerState.Off, (await StateAsync(driver, name))?.State);
        await Ok(driver.UnregisterAsync(vm, default));
    }

    [Fact]
    public async Task PowerOn_WhenTheTargetRefusesThisHostsInitiator_ReturnsStartFailed()
    {
        string name = harness.Prefix + "-fenced";
        await using var driver = Created(harness.Options(initiator: "iqn.2026-01.test.hawitness:fenced"));
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForLibvirt(name, harness.DomainXml(name)), default));

        var result = await driver.PowerOnAsync(vm, default);

        Assert.Equal(HypervisorErrorKind.StartFailed, result.Error?.Kind);
        Assert.Contains("iSCSI", result.Error?.Message, StringComparison.OrdinalIgnoreCase);
        await driver.PowerOffAsync(vm, PowerOffMode.Hard, default);
        await Ok(driver.UnregisterAsync(vm, default));
    }

    [Fact]
    public async Task Calls_OnAVmThatVanished_ReturnNotFound()
    {
        string name = harness.Prefix + "-vanish";
        await using var driver = Create();
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForLibvirt(name, harness.DomainXml(name)), default));

        Assert.Equal(0, (await LibvirtHarness.RunAsync("virsh", "-c", harness.Uri, "undefine", name)).ExitCode); // behind the driver's back

        var start = await driver.PowerOnAsync(vm, default);
        Assert.Equal(HypervisorErrorKind.NotFound, start.Error?.Kind);
        Assert.Equal(42, start.Error?.NativeCode); // VIR_ERR_NO_DOMAIN
        var off = await driver.PowerOffAsync(vm, PowerOffMode.Hard, default);
        Assert.Equal(HypervisorErrorKind.NotFound, off.Error?.Kind);
        await Ok(driver.UnregisterAsync(vm, default)); // gone is what unregister wants
    }

    [Fact]
    public async Task Calls_WhenLibvirtdHangs_TimeOutAndWorkAgainAfterwards()
    {
        await using var driver = Created(harness.Options(timeout: TimeSpan.FromSeconds(1)));
        await Ok(driver.ListAsync(default)); // connected

        harness.Libvirtd.Signal(Posix.SIGSTOP);
        HvResult<IReadOnlyList<VmStatus>> hung;
        var watch = Stopwatch.StartNew();
        try
        {
            hung = await driver.ListAsync(default);
        }
        finally
        {
            harness.Libvirtd.Signal(Posix.SIGCONT);
        }

        Assert.Equal(HypervisorErrorKind.Timeout, hung.Error?.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"returned after {watch.Elapsed}");
        var again = await driver.ListAsync(default);
        Assert.True(again.IsOk, again.ToString());
    }

    [Fact]
    public async Task Capacity_ComesFromTheNode()
    {
        await using var driver = Create();

        var capacity = await Ok(driver.GetCapacityAsync(default));

        Assert.Equal(Environment.ProcessorCount, capacity.Cpus);
        Assert.True(capacity.MemoryMiB > 256, capacity.ToString());
        Assert.StartsWith("virNodeGetInfo", capacity.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ToADeadSocket_ReturnsConnectionFailed()
    {
        var options = harness.Options();
        options.Libvirt.Uri = $"qemu:///system?socket={harness.Dir}/nope/libvirt-sock";
        await using var driver = Created(options);

        var result = await driver.ListAsync(default);

        Assert.Equal(HypervisorErrorKind.ConnectionFailed, result.Error?.Kind);
        Assert.Contains("nope/libvirt-sock", result.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WithHostileXml_IsRefusedBeforeLibvirtSeesIt()
    {
        await using var driver = Create();
        string name = harness.Prefix + "-qemu";
        string xml = harness.DomainXml(name).Replace("<domain type='qemu'>", "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>", StringComparison.Ordinal)
            .Replace("</devices>", "</devices><qemu:commandline><qemu:arg value='-monitor'/><qemu:arg value='unix:/tmp/x'/></qemu:commandline>", StringComparison.Ordinal);

        var result = await driver.RegisterAsync(VmDefinition.ForLibvirt(name, xml), default);

        Assert.Equal(HypervisorErrorKind.InvalidArgument, result.Error?.Kind);
        Assert.DoesNotContain(await Ok(driver.ListAsync(default)), s => s.Vm.Name == name);
    }

    private string ReadLunMarker(int length)
    {
        using var f = new FileStream(harness.LunFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buf = new byte[length];
        f.Position = 512;
        f.ReadExactly(buf);
        return Encoding.ASCII.GetString(buf);
    }

    private static async Task<VmStatus?> StateAsync(IHypervisorDriver driver, string name) =>
        (await Ok(driver.ListAsync(default))).SingleOrDefault(s => s.Vm.Name == name);

    private IHypervisorDriver Create() => Created(harness.Options());
}
