using HaWitness.Hypervisors.Calls;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Hypervisors.Tests.Calls;

public sealed class CallGateTests
{
    [Fact]
    public async Task RunBlocking_WhenTheCallHangs_ReturnsTimeout_AndTheCallerIsFree()
    {
        var time = new FakeTimeProvider();
        var gate = new CallGate(TimeSpan.FromSeconds(30), maxStuck: 4, time);
        using var release = new ManualResetEventSlim();

        var call = gate.RunBlockingAsync("stuck call", () => { release.Wait(); return HvResult<int>.Ok(1); }, default);
        await Task.Delay(50);
        time.Advance(TimeSpan.FromSeconds(30));
        var result = await call;

        Assert.Equal(HypervisorErrorKind.Timeout, result.Error?.Kind);
        Assert.Contains("stuck call", result.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(1, gate.InFlight);
        release.Set();
        await WaitUntil(() => gate.InFlight == 0);
    }

    [Fact]
    public async Task RunBlocking_WhenMaxStuckCallsAreStuck_RefusesAtOnce_UntilOneReturns()
    {
        var time = new FakeTimeProvider();
        var gate = new CallGate(TimeSpan.FromSeconds(1), maxStuck: 1, time);
        using var release = new ManualResetEventSlim();
        var stuck = gate.RunBlockingAsync("first", () => { release.Wait(); return HvResult<int>.Ok(1); }, default);
        await Task.Delay(50);
        time.Advance(TimeSpan.FromSeconds(1));
        await stuck;

        var refused = await gate.RunBlockingAsync("second", () => HvResult<int>.Ok(2), default);
        release.Set();
        await WaitUntil(() => gate.InFlight == 0);
        var after = await gate.RunBlockingAsync("third", () => HvResult<int>.Ok(3), default);

        Assert.Equal(HypervisorErrorKind.Timeout, refused.Error?.Kind);
        Assert.Contains("still stuck", refused.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(3, after.Value);
    }

    [Fact]
    public async Task RunBlocking_TurnsAMissingLibraryAndOtherExceptionsIntoValues()
    {
        var gate = new CallGate(TimeSpan.FromSeconds(5), 4, TimeProvider.System);

        var missing = await gate.RunBlockingAsync<int>("load", () => throw new DllNotFoundException("libvirt.so.0: cannot open shared object file"), default);
        var bug = await gate.RunBlockingAsync<int>("bug", () => throw new InvalidOperationException("boom"), default);

        Assert.Equal(HypervisorErrorKind.LibraryMissing, missing.Error?.Kind);
        Assert.Equal(HypervisorErrorKind.Failed, bug.Error?.Kind);
        Assert.Contains("boom", bug.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunBlocking_RunsOffTheCallersThread()
    {
        var gate = new CallGate(TimeSpan.FromSeconds(5), 4, TimeProvider.System);
        int caller = Environment.CurrentManagedThreadId;

        var result = await gate.RunBlockingAsync("where", () => HvResult<int>.Ok(Environment.CurrentManagedThreadId), default);

        Assert.NotEqual(caller, result.Value);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
