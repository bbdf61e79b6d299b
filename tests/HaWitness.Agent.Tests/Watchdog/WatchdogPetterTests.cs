using HaWitness.Agent.Runtime;
using HaWitness.Agent.Runtime.Watchdog;
using HaWitness.Core.Configuration;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Agent.Tests.Watchdog;

/// <summary>
/// When the agent pets its watchdog, on a fake clock with a real test device (a plain file the
/// kernel API cannot drive: every pet is a byte, the magic close a 'V').
/// </summary>
public sealed class WatchdogPetterTests : IDisposable
{
    private static readonly LeaseOptions Timings = new() { HeartbeatMs = 1000, LeaseMs = 5000, HeartbeatTimeoutMs = 500, ProbeIntervalMs = 1000, ProbeTimeoutMs = 1000 };
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = TimeSpan.Zero };
    private readonly AgentState _state;
    private readonly WatchdogDevice _device;
    private readonly WatchdogPetter _petter;

    public WatchdogPetterTests()
    {
        _state = new AgentState(new AgentOptions { Name = "host-a", PowerOffBoundMs = 3000 }, _time);
        _state.UseTimings(Timings);
        File.WriteAllBytes(_dir.File("watchdog"), []);
        _device = WatchdogDevice.Open(_dir.File("watchdog"), TimeSpan.FromSeconds(4));
        _petter = new WatchdogPetter(_device, _state, NullLogger<WatchdogPetter>.Instance);
    }

    public void Dispose()
    {
        _device.Dispose();
        _dir.Dispose();
    }

    private byte[] Written() => File.ReadAllBytes(_dir.File("watchdog"));

    private void Lease()
    {
        long seq = _state.Lease.BeginHeartbeat();
        Assert.True(_state.Lease.Acknowledge(seq));
    }

    [Fact]
    public void TestDevice_IsNoWatchdog_SoTheRequestedTimeoutIsAssumed_AndOpeningPetsOnce()
    {
        Assert.False(_device.IsDevice);
        Assert.Equal(TimeSpan.FromSeconds(4), _device.Timeout);
        Assert.Equal("."u8.ToArray(), Written());
        Assert.Equal(TimeSpan.FromSeconds(1), _petter.PetInterval);
    }

    [Fact]
    public void BeforeTheFirstLease_AndWhileItHolds_ThePetterPets()
    {
        Assert.Null(_petter.Withheld()); // joining: the agent is alive, it has no lease yet
        Lease();
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(_state.Lease.IsValid);

        _petter.Tick();

        Assert.Equal(1, _petter.Pets);
        Assert.Equal(2, Written().Length);
    }

    [Fact]
    public void LeaseLapsed_WithoutAVerdict_NoPet_AVerdictToKeepResumes_UntilItGoesStale()
    {
        Lease();
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(_state.Lease.IsValid);

        _petter.Tick();
        Assert.Equal(0, _petter.Pets);
        Assert.Contains("no isolation verdict", _petter.Withheld(), StringComparison.Ordinal);

        _petter.Kept(); // the isolation monitor: no peer has a leader, keep the VMs
        _petter.Tick();
        Assert.Equal(1, _petter.Pets);

        // The monitor must keep confirming: a verdict older than a probe round plus a pet interval is stale.
        _time.Advance(TimeSpan.FromMilliseconds(Timings.ProbeIntervalMs + Timings.ProbeTimeoutMs) + _petter.PetInterval + TimeSpan.FromMilliseconds(1));
        _petter.Tick();
        Assert.Equal(1, _petter.Pets);
    }

    [Fact]
    public void AVerdictFromBeforeTheLeaseLapsed_DoesNotCount()
    {
        Lease();
        _time.Advance(TimeSpan.FromMilliseconds(4900));
        _petter.Kept();
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.False(_state.Lease.IsValid);

        Assert.NotNull(_petter.Withheld());
    }

    [Fact]
    public void SuccessfulSelfFence_KeepsPetting_AFailedOneEscalates_ForGood()
    {
        Lease();
        _time.Advance(TimeSpan.FromSeconds(6));
        _state.MarkSelfFenced();
        Assert.Null(_petter.Withheld()); // its HA VMs are off: no reason to reset the host

        _petter.Escalate("libvirt destroy: no answer within 10 s");
        _petter.Kept();
        Lease();

        Assert.Contains("self-fence failed", _petter.Withheld(), StringComparison.Ordinal);
        _petter.Tick();
        Assert.Equal(0, _petter.Pets);
    }

    [Fact]
    public void CleanStop_DisarmsWithTheMagicCharacter_ButNotAfterAnEscalation()
    {
        _petter.Close();
        Assert.Equal((byte)'V', Written()[^1]);

        File.WriteAllBytes(_dir.File("watchdog2"), []);
        using var device = WatchdogDevice.Open(_dir.File("watchdog2"), TimeSpan.FromSeconds(4));
        var petter = new WatchdogPetter(device, _state, NullLogger<WatchdogPetter>.Instance);
        petter.Escalate("power-off failed");
        petter.Close();
        Assert.DoesNotContain((byte)'V', File.ReadAllBytes(_dir.File("watchdog2")));
    }

    [Fact]
    public void ReportedPowerOffBound_IsAtLeastTheWatchdogTimeout()
    {
        Assert.Equal(6000, WatchdogPetter.ReportedPowerOffBoundMs(3000, TimeSpan.FromSeconds(6)));
        Assert.Equal(8000, WatchdogPetter.ReportedPowerOffBoundMs(8000, TimeSpan.FromSeconds(6)));
    }
}
