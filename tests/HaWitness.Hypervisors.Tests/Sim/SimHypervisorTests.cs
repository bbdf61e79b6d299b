using HaWitness.Hypervisors.Sim;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Hypervisors.Tests.Sim;

public sealed class SimHypervisorTests
{
    [Fact]
    public void InitialNames_AreNamedAfterTheHost_WithAtLeastTwoDigits()
    {
        Assert.Equal(["hosta-vm01", "hosta-vm02", "hosta-vm03"], SimHypervisor.InitialNames("hosta", 3));
        Assert.Equal("hosta-vm001", SimHypervisor.InitialNames("hosta", 150)[0]);
        Assert.Equal("hosta-vm150", SimHypervisor.InitialNames("hosta", 150)[^1]);
        Assert.Empty(SimHypervisor.InitialNames("hosta", 0));
    }

    [Fact]
    public async Task Create_WithSimVms_ListsThemAllOff()
    {
        await using var sim = Create(vms: 1000);

        var list = await Ok(sim.ListAsync(default));

        Assert.Equal(1000, list.Count);
        Assert.All(list, s => Assert.Equal(VmPowerState.Off, s.State));
        Assert.Equal("hosta-vm0001", list[0].Vm.Name);
    }

    [Fact]
    public async Task PowerCycle_FollowsTheInterfaceRules()
    {
        await using var sim = Create(vms: 1);
        var vm = new VmRef("hosta-vm01", "hosta-vm01");

        await Ok(sim.PowerOnAsync(vm, default));
        await Ok(sim.PowerOnAsync(vm, default)); // idempotent
        var refused = await sim.UnregisterAsync(vm, default);
        await Ok(sim.SuspendAsync(vm, default));
        Assert.Equal(VmPowerState.Suspended, Assert.Single(sim.Vms).State);
        await Ok(sim.PowerOffAsync(vm, PowerOffMode.Hard, default));
        await Ok(sim.PowerOffAsync(vm, PowerOffMode.Soft, default)); // idempotent
        var suspendOff = await sim.SuspendAsync(vm, default);
        await Ok(sim.UnregisterAsync(vm, default));
        await Ok(sim.UnregisterAsync(vm, default)); // idempotent

        Assert.Equal(HypervisorErrorKind.InvalidState, refused.Error?.Kind);
        Assert.Equal(HypervisorErrorKind.InvalidState, suspendOff.Error?.Kind);
        Assert.Empty(sim.Vms);
    }

    [Fact]
    public async Task Register_AddsTheVm_AndRefusesAnInvalidDefinition()
    {
        await using var sim = Create();

        var vm = await Ok(sim.RegisterAsync(VmDefinition.ForSim("db1"), default));
        var bad = await sim.RegisterAsync(VmDefinition.ForSim("db 1; rm"), default);

        Assert.Equal(new VmRef("db1", "db1"), vm);
        Assert.Equal(HypervisorErrorKind.InvalidArgument, bad.Error?.Kind);
        Assert.Single(sim.Vms);
    }

    [Fact]
    public async Task InjectedFailure_FailsTheGivenNumberOfCalls_ThenTheCallWorks()
    {
        await using var sim = Create(vms: 2);
        sim.InjectFailure(SimOperation.PowerOn, HypervisorErrorKind.StartFailed, vm: "hosta-vm01", times: 2);
        var vm1 = new VmRef("hosta-vm01", "hosta-vm01");

        var first = await sim.PowerOnAsync(vm1, default);
        var other = await sim.PowerOnAsync(new VmRef("hosta-vm02", "hosta-vm02"), default);
        var second = await sim.PowerOnAsync(vm1, default);
        var third = await sim.PowerOnAsync(vm1, default);

        Assert.Equal(HypervisorErrorKind.StartFailed, first.Error?.Kind);
        Assert.True(other.IsOk);
        Assert.Equal(HypervisorErrorKind.StartFailed, second.Error?.Kind);
        Assert.True(third.IsOk);
    }

    [Fact]
    public async Task InjectedHang_TimesOutOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        await using var sim = Create(vms: 1, time: time);
        sim.InjectHang(SimOperation.List);

        var call = sim.ListAsync(default).AsTask();
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        var result = await call;

        Assert.Equal(HypervisorErrorKind.Timeout, result.Error?.Kind);
        sim.ClearFaults();
        Assert.True((await sim.ListAsync(default)).IsOk);
    }

    [Fact]
    public async Task Vanish_MakesLaterCallsReturnNotFound_AndCrashShowsInTheList()
    {
        await using var sim = Create(vms: 2);
        sim.Vanish("hosta-vm01");
        sim.Crash("hosta-vm02");

        var start = await sim.PowerOnAsync(new VmRef("hosta-vm01", "hosta-vm01"), default);

        Assert.Equal(HypervisorErrorKind.NotFound, start.Error?.Kind);
        Assert.Equal(VmPowerState.Crashed, Assert.Single(await Ok(sim.ListAsync(default))).State);
    }

    [Fact]
    public async Task Cancellation_ByTheCaller_Throws()
    {
        await using var sim = Create(vms: 1);
        sim.InjectHang(SimOperation.PowerOn);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await sim.PowerOnAsync(new VmRef("hosta-vm01", "hosta-vm01"), cts.Token));
    }

    private static SimHypervisor Create(int vms = 0, TimeProvider? time = null) =>
        new(new HypervisorOptions { Kind = "sim", HostName = "hosta", CallTimeout = TimeSpan.FromSeconds(5), Sim = new SimOptions { Vms = vms } }, time ?? TimeProvider.System, TestLogging.For<SimHypervisor>());

    private static async Task<T> Ok<T>(ValueTask<HvResult<T>> call)
    {
        var result = await call;
        Assert.True(result.IsOk, result.ToString());
        return result.Value;
    }

    private static async Task Ok(ValueTask<HvResult> call)
    {
        var result = await call;
        Assert.True(result.IsOk, result.ToString());
    }
}
