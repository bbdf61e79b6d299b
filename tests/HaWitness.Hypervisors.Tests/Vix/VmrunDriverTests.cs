using HaWitness.TestSupport;
using static HaWitness.Hypervisors.Tests.DriverAssert;

namespace HaWitness.Hypervisors.Tests.Vix;

/// <summary>The vmrun backend against a scripted STAND-IN of vmrun that checks every argument vector it receives.</summary>
public sealed class VmrunDriverTests : IDisposable
{
    private readonly TempDir _dir = new("hawitness-vmrun");
    private readonly string _vmrun;

    public VmrunDriverTests()
    {
        _vmrun = _dir.File("vmrun");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Vix", "vmrun-standin.sh"), _vmrun);
        File.SetUnixFileMode(_vmrun, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Lifecycle_OnWorkstation_RunsTheExactArgumentVectors()
    {
        string vmx = Vmx("web1");
        await using var driver = Create();

        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForVix("web1", vmx), default));
        await Ok(driver.PowerOnAsync(vm, default));
        var running = await Ok(driver.ListAsync(default));
        await Ok(driver.SuspendAsync(vm, default));
        var suspended = await Ok(driver.ListAsync(default));
        await Ok(driver.PowerOnAsync(vm, default));
        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Soft, default));
        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Hard, default)); // already off: success
        await Ok(driver.UnregisterAsync(vm, default));

        Assert.Equal(VmPowerState.Running, Assert.Single(running).State);
        Assert.Empty(suspended); // Workstation's list shows running VMs only
        Assert.Equal(
            [
                ["-T", "ws", "start", vmx, "nogui"],
                ["-T", "ws", "list"],
                ["-T", "ws", "suspend", vmx, "hard"],
                ["-T", "ws", "list"],
                ["-T", "ws", "start", vmx, "nogui"],
                ["-T", "ws", "stop", vmx, "soft"],
                ["-T", "ws", "stop", vmx, "hard"],
                ["-T", "ws", "list"],
            ],
            Calls());
        Assert.False(File.Exists(_dir.File("vmrun-state/violations")), "the stand-in saw arguments vmrun would reject");
    }

    [Fact]
    public async Task Start_WithHostileCharactersInThePath_PassesThemAsOneArgumentAndRunsNothing()
    {
        string vmx = Vmx("x'; touch pwned; echo '$(touch pwned2) `touch pwned3` a;b|c&d");
        await using var driver = Create();

        await Ok(driver.PowerOnAsync(new VmRef("x", vmx), default));

        Assert.Equal(["-T", "ws", "start", vmx, "nogui"], Assert.Single(Calls()));
        Assert.Empty(Directory.GetFiles(_dir.Path, "pwned*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Server_WithCredentials_RegistersAndRefusesToUnregisterARunningVm()
    {
        string vmx = Vmx("db1");
        var options = Options("server");
        options.Vmrun.Host = "https://esx1:8333/sdk";
        options.Vmrun.User = "admin";
        options.Vmrun.Password = "p w;d $(x)";
        await using var driver = Created(options);
        string[] auth = ["-T", "server", "-h", "https://esx1:8333/sdk", "-u", "admin", "-p", "p w;d $(x)"];

        var vm = await Ok(driver.RegisterAsync(VmDefinition.ForVix("db1", vmx), default));
        var listed = Assert.Single(await Ok(driver.ListAsync(default)));
        await Ok(driver.PowerOnAsync(vm, default));
        var refused = await driver.UnregisterAsync(vm, default);
        await Ok(driver.PowerOffAsync(vm, PowerOffMode.Hard, default));
        await Ok(driver.UnregisterAsync(vm, default));
        await Ok(driver.UnregisterAsync(vm, default)); // gone already: success

        Assert.Equal(VmPowerState.Off, listed.State);
        Assert.Equal("db1", listed.Vm.Name);
        Assert.Equal(HypervisorErrorKind.InvalidState, refused.Error?.Kind);
        Assert.Contains("already running", refused.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(255, refused.Error?.NativeCode);
        var calls = Calls();
        Assert.All(calls, c => Assert.Equal(auth, c.Take(auth.Length)));
        Assert.Equal(
            ["register", "list", "listRegisteredVM", "start", "unregister", "stop", "unregister", "unregister"],
            calls.Select(c => c[auth.Length]));
        Assert.False(File.Exists(_dir.File("vmrun-state/violations")));
    }

    [Fact]
    public async Task Start_OfAMissingVm_ReturnsNotFound_AndAFailingStart_ReturnsStartFailed()
    {
        await using var driver = Create();
        var missing = await driver.PowerOnAsync(new VmRef("nope", _dir.File("nope/nope.vmx")), default);
        var failing = await driver.PowerOnAsync(new VmRef("bad", Vmx("bad", "standin.startError = \"1\"\n")), default);

        Assert.Equal(HypervisorErrorKind.NotFound, missing.Error?.Kind);
        Assert.Equal(HypervisorErrorKind.StartFailed, failing.Error?.Kind);
        Assert.Contains("could not start", failing.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhenVmrunHangs_TimesOutAndKillsIt()
    {
        var options = Options("ws");
        options.CallTimeout = TimeSpan.FromMilliseconds(700);
        await using var driver = Created(options);
        var started = DateTime.UtcNow;

        var result = await driver.PowerOnAsync(new VmRef("slow", Vmx("slow", "standin.hang = \"1\"\n")), default);

        Assert.Equal(HypervisorErrorKind.Timeout, result.Error?.Kind);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4));
        int pid = int.Parse(File.ReadAllText(_dir.File("vmrun-state/hang.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}"), "the hung vmrun was killed");
    }

    [Fact]
    public void Create_WithoutVmrun_ReturnsLibraryMissing_AndWithABadHostType_InvalidArgument()
    {
        var missing = Options("ws");
        missing.Vmrun.Path = _dir.File("bin/vmrun");
        var badType = Options("ws; rm -rf /");

        Assert.Equal(HypervisorErrorKind.LibraryMissing, HypervisorDrivers.Create(missing, TestLogging.Factory, TimeProvider.System).Error?.Kind);
        Assert.Equal(HypervisorErrorKind.InvalidArgument, HypervisorDrivers.Create(badType, TestLogging.Factory, TimeProvider.System).Error?.Kind);
    }

    [Fact]
    public async Task Calls_WithAnOptionLikeOrRelativePath_AreRefusedBeforeVmrunRuns()
    {
        await using var driver = Create();

        var result = await driver.PowerOnAsync(new VmRef("x", "-T.vmx"), default);

        Assert.Equal(HypervisorErrorKind.InvalidArgument, result.Error?.Kind);
        Assert.False(File.Exists(_dir.File("vmrun-state/calls")));
    }

    private List<string[]> Calls()
    {
        string file = _dir.File("vmrun-state/calls");
        return File.Exists(file)
            ? File.ReadAllLines(file).Select(l => l.TrimEnd('\x1f').Split('\x1f')).ToList()
            : [];
    }

    private string Vmx(string name, string extra = "")
    {
        string dir = _dir.File("vms/" + name.Replace('/', '_'));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, (VmNames.IsValid(name) ? name : "vm") + ".vmx");
        File.WriteAllText(path, $"displayName = \"vm\"\n{extra}");
        return path;
    }

    private HypervisorOptions Options(string hostType) => new()
    {
        Kind = "vmrun",
        CallTimeout = TimeSpan.FromSeconds(10),
        Vmrun = new VmrunOptions { Path = _vmrun, HostType = hostType },
    };

    private IHypervisorDriver Create() => Created(Options("ws"));
}
