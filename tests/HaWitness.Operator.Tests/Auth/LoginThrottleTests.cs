using HaWitness.Operator.Auth;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Operator.Tests.Auth;

public sealed class LoginThrottleTests
{
    [Fact]
    public void ThreeFailuresAreFree_ThenEachLocksTheAddressOutTwiceAsLong_UpToFiveMinutes()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        var lockouts = new List<TimeSpan>();
        for (int i = 0; i < 14; i++)
        {
            Assert.Null(throttle.RetryAfter("10.0.0.1"));
            var (_, lockout) = throttle.Failed("10.0.0.1");
            lockouts.Add(lockout);
            Assert.Equal(lockout == TimeSpan.Zero ? null : lockout, throttle.RetryAfter("10.0.0.1"));
            time.Advance(lockout);
        }

        Assert.Equal([0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300], lockouts.Select(l => l.TotalSeconds));
        Assert.Null(throttle.RetryAfter("10.0.0.2")); // per address
    }

    [Fact]
    public void Success_ClearsTheAddress()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        for (int i = 0; i < 4; i++)
        {
            throttle.Failed("a");
        }

        Assert.NotNull(throttle.RetryAfter("a"));
        time.Advance(TimeSpan.FromSeconds(1));
        throttle.Succeeded("a");

        Assert.Equal(1, throttle.Failed("a").Failures);
    }
}
