using HaWitness.Hypervisors.Tests.TestLibvix;
using HaWitness.Hypervisors.Vix;
using HaWitness.TestSupport;
using static HaWitness.Hypervisors.Tests.DriverAssert;

namespace HaWitness.Hypervisors.Tests.Vix;

/// <summary>
/// The VIX driver through the real P/Invoke path, the real shim and real callbacks, against the
/// TEST DOUBLE of libvixAllProducts.so (VMware's library cannot be installed here).
/// </summary>
[Collection(VixTestCollection.Name)]
public sealed class VixDriverTests : IDisposable
{
    private readonly TempDir _dir = new("hawitness-vix");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Lifecycle_OnWorkstation_RegistersStartsSuspendsStopsThroughCallbacks()
    {
        int handles = TestLibvix.TestLibvix.LiveHandles();
        long callbacks = TestLibvix.TestLibvix.CallbacksMade();
        string vmx = Vmx("web1");
        await using var driver = Create();

        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForVix("web1", vmx), default));
        Assert.Equal(new VmRef("web1", vmx), vm);
        Assert.DoesNotContain(await Ok(driver.ListAsync(default)), s => s.Vm.Locator == vmx); // Workstation lists running VMs only

        await Ok(driver.PowerOnAsync(vm, default));
        var listed = Assert.Single(await Ok(driver.ListAsync(default)), s => s.Vm.Locator == vmx);
        Assert.Equal(VmPowerState.Running, listed.State);
        Assert.Equal("web1", listed.Vm.Name);
        Assert.Contains("powered-on", listed.Detail, StringComparison.Ordinal);
        Assert.Equal(0x8 | 0x40, TestLibvix.TestLibvix.PowerStateBits(vmx));

        await Ok(driver.PowerOnAsync(vm, default)); // already running: success
        await Ok(driver.SuspendAsync(vm, default));
        Assert.Equal(0x20, TestLibvix.TestLibvix.PowerStateBits(vmx));
        await Ok(driver.SuspendAsync(vm, default)); // already suspended: success
        await Ok(driver.PowerOnAsync(vm, default)); // resumes
        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Soft, default));
        Assert.Equal(0x2, TestLibvix.TestLibvix.PowerStateBits(vmx));
        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Hard, default)); // already off: success
        await Ok(driver.UnregisterAsync(vm, default));

        Assert.True(TestLibvix.TestLibvix.CallbacksMade() > callbacks, "VIX called our callback");
        Assert.Equal(handles, await TestLibvix.TestLibvix.SettledHandlesAsync(handles)); // every job and VM handle released
    }

    [Fact]
    public async Task Callbacks_ArriveOnVixsOwnThreads_WithFindItemLocations()
    {
        string vmx = Vmx("cb");
        await using var driver = Create(); // loads VIX and the shim
        await Ok(driver.PowerOnAsync(new VmRef("cb", vmx), default));
        int caller = Environment.CurrentManagedThreadId;

        var connect = VixJob.Create();
        int connectJob = VixNativeCalls.Connect(new VixOptions { Provider = VixProvider.Workstation }, connect);
        await connect.Completed;
        Assert.Equal(0UL, VixShimNative.hwvix_job_wait_handle(connectJob, out int host));
        var find = VixJob.Create();
        int findJob = VixNativeCalls.Find(host, 1 /* RUNNING_VMS */, find);
        Assert.Equal(findJob, await find.Completed); // JOB_COMPLETED carries the job handle
        Assert.Equal(0UL, VixShimNative.hwvix_job_wait(findJob));

        Assert.Contains(vmx, find.Found);
        Assert.NotEqual(caller, find.CompletedOnThread);
        Assert.True(find.Events > find.Found.Count, "FIND_ITEM events, then JOB_COMPLETED");
        foreach (int h in new[] { connectJob, findJob })
        {
            VixNative.Vix_ReleaseHandle(h);
        }

        VixNative.VixHost_Disconnect(host);
        connect.Free();
        find.Free();
        await Ok(driver.PowerOffAsync(new VmRef("cb", vmx), PowerOffMode.Hard, default));
    }

    [Fact]
    public async Task Unregister_OnViServerWhilePoweredOn_IsRefusedWithVixErrorText()
    {
        string vmx = Vmx("db1");
        await using var driver = Create(VixProvider.ViServer);
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForVix("db1", vmx), default));
        var off = Assert.Single(await Ok(driver.ListAsync(default)), s => s.Vm.Locator == vmx);
        Assert.Equal(VmPowerState.Off, off.State); // a VI server lists registered VMs too

        await Ok(driver.PowerOnAsync(vm, default));
        var refused = await driver.UnregisterAsync(vm, default);

        Assert.Equal(HypervisorErrorKind.InvalidState, refused.Error?.Kind);
        Assert.Equal(3007, refused.Error?.NativeCode);
        Assert.Contains("It is already running", refused.Error?.Message, StringComparison.Ordinal); // Vix_GetErrorText's words

        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Hard, default));
        await Ok(driver.UnregisterAsync(vm, default));
        await Ok(driver.UnregisterAsync(vm, default)); // not registered any more: success
        var reopened = await driver.PowerOnAsync(vm, default);
        Assert.Equal(HypervisorErrorKind.NotFound, reopened.Error?.Kind); // a VI server opens registered VMs only
        Assert.Equal(4000, reopened.Error?.NativeCode);
    }

    [Fact]
    public async Task Register_WithDatastore_AddressesTheVmAsDatastoreBracketPath()
    {
        Directory.CreateDirectory(_dir.File("ds/ds1/app"));
        File.WriteAllText(_dir.File("ds/ds1/app/app.vmx"), "displayName = \"app\"\n");
        TestLibvix.TestLibvix.SetDatastoreRoot(_dir.File("ds"));
        await using var driver = Create(VixProvider.ViServer);

        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForVix("app", "app/app.vmx", "ds1"), default));
        await Ok(driver.PowerOnAsync(vm, default));

        Assert.Equal("[ds1] app/app.vmx", vm.Locator);
        Assert.Contains(await Ok(driver.ListAsync(default)), s => s.Vm.Locator == "[ds1] app/app.vmx" && s.State == VmPowerState.Running);
        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Hard, default));
        await Ok(driver.UnregisterAsync(vm, default));
    }

    [Fact]
    public async Task PowerOn_WhenTheVmxVanished_ReturnsNotFound()
    {
        string vmx = Vmx("gone");
        await using var driver = Create();
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForVix("gone", vmx), default));
        await Ok(driver.PowerOnAsync(vm, default));

        File.Delete(vmx);

        var result = await driver.PowerOnAsync(vm, default);
        Assert.Equal(HypervisorErrorKind.NotFound, result.Error?.Kind);
        Assert.Equal(4, result.Error?.NativeCode);
        Assert.Contains("A file was not found", result.Error?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await Ok(driver.ListAsync(default)), s => s.Vm.Locator == vmx); // gone from the host's list too
    }

    [Fact]
    public async Task PowerOn_WhenVixFailsTheStart_ReturnsStartFailed()
    {
        string vmx = Vmx("broken", "testvix.powerOnError = \"1\"\n");
        await using var driver = Create();
        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForVix("broken", vmx), default));

        var result = await driver.PowerOnAsync(vm, default);

        Assert.Equal(HypervisorErrorKind.StartFailed, result.Error?.Kind);
        Assert.Equal(1, result.Error?.NativeCode);
        Assert.Equal(0x2, TestLibvix.TestLibvix.PowerStateBits(vmx));
    }

    [Fact]
    public async Task PowerOn_WhenTheJobHangs_TimesOutAndReleasesTheJobWhenVixFinishesIt()
    {
        int handles = TestLibvix.TestLibvix.LiveHandles();
        string vmx = Vmx("slow", "testvix.delayMs = \"1500\"\n");
        await using var driver = Create(timeout: TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;

        var result = await driver.PowerOnAsync(new VmRef("slow", vmx), default);

        var took = DateTime.UtcNow - started;
        Assert.Equal(HypervisorErrorKind.Timeout, result.Error?.Kind);
        Assert.True(took < TimeSpan.FromSeconds(1.2), $"the call returned after {took}");

        // The abandoned open job completes later: its handles are released then, nothing crashes.
        Assert.Equal(handles, await TestLibvix.TestLibvix.SettledHandlesAsync(handles, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connect_WithBadCredentialsOrUnreachableHost_ReturnsTypedErrors()
    {
        var badUser = TestLibvix.TestLibvix.Options(VixProvider.ViServer);
        badUser.Vix.Host = "https://esx1:8333/sdk";
        badUser.Vix.User = "baduser";
        badUser.Vix.Password = "x";
        await using var d1 = Created(badUser);
        var auth = await d1.ListAsync(default);
        Assert.Equal(HypervisorErrorKind.AuthenticationFailed, auth.Error?.Kind);
        Assert.Equal(35, auth.Error?.NativeCode);

        var unreachable = TestLibvix.TestLibvix.Options(VixProvider.ViServer);
        unreachable.Vix.Host = "unreachable";
        await using var d2 = Created(unreachable);
        var conn = await d2.ListAsync(default);
        Assert.Equal(HypervisorErrorKind.ConnectionFailed, conn.Error?.Kind);
        Assert.Equal(18000, conn.Error?.NativeCode);
    }

    [Theory]
    [InlineData("relative/vm.vmx")]
    [InlineData("/vms/../etc/vm.vmx")]
    [InlineData("/vms/vm.txt")]
    [InlineData("/vms/v\nm.vmx")]
    [InlineData("")]
    public async Task Calls_WithAnInvalidVmxPath_AreRefusedBeforeVixIsCalled(string path)
    {
        await using var driver = Create();
        long jobs = TestLibvix.TestLibvix.JobsStarted();

        var register = await driver.RegisterAsync(VmDefinition.ForVix("vm", path), default);
        var start = await driver.PowerOnAsync(new VmRef("vm", path), default);

        Assert.Equal(HypervisorErrorKind.InvalidArgument, register.Error?.Kind);
        Assert.Equal(HypervisorErrorKind.InvalidArgument, start.Error?.Kind);
        Assert.Equal(jobs, TestLibvix.TestLibvix.JobsStarted());
    }

    [Fact]
    public async Task Register_OfALibvirtDefinition_IsRefused()
    {
        await using var driver = Create();
        var result = await driver.RegisterAsync(VmDefinition.ForLibvirt("x", "<domain><name>x</name></domain>"), default);
        Assert.Equal(HypervisorErrorKind.InvalidArgument, result.Error?.Kind);
    }

    [Fact]
    public void Create_WhenTheLibraryIsMissing_ReturnsLibraryMissing()
    {
        var options = TestLibvix.TestLibvix.Options();
        options.Vix.Library = _dir.File("nope/libvixAllProducts.so");

        var result = HypervisorDrivers.Create(options, TestLogging.Factory, TimeProvider.System);

        Assert.Equal(HypervisorErrorKind.LibraryMissing, result.Error?.Kind);
        Assert.Contains("does not exist", result.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WhenTheLibraryIsNotVix_ReturnsLibraryMissing()
    {
        var options = TestLibvix.TestLibvix.Options();
        options.Vix.Library = _dir.File("libvixAllProducts.so");
        File.WriteAllText(options.Vix.Library, "not an ELF file");

        var result = HypervisorDrivers.Create(options, TestLogging.Factory, TimeProvider.System);

        Assert.Equal(HypervisorErrorKind.LibraryMissing, result.Error?.Kind);
    }

    [Fact]
    public void Create_WhenTheShimIsMissing_ReturnsLibraryMissing()
    {
        var options = TestLibvix.TestLibvix.Options();
        options.Vix.ShimLibrary = _dir.File("libhawitness-vixshim.so");

        var result = HypervisorDrivers.Create(options, TestLogging.Factory, TimeProvider.System);

        Assert.Equal(HypervisorErrorKind.LibraryMissing, result.Error?.Kind);
        Assert.Contains("shim", result.Error?.Message, StringComparison.Ordinal);
    }

    private string Vmx(string name, string extra = "")
    {
        string path = _dir.File($"{name} dir/{name}.vmx"); // a space in the path, as on real datastores
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $".encoding = \"UTF-8\"\ndisplayName = \"{name}\"\n{extra}");
        return path;
    }

    private static IHypervisorDriver Create(VixProvider provider = VixProvider.Workstation, TimeSpan? timeout = null) =>
        Created(TestLibvix.TestLibvix.Options(provider, timeout));
}
