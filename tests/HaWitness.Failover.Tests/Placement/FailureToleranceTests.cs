using HaWitness.Failover.Placement;

namespace HaWitness.Failover.Tests.Placement;

public sealed class FailureToleranceTests
{
    [Fact]
    public void TwoEqualHosts_HalfFull_TolerateOneFailure()
    {
        Assert.Equal(1, FailureTolerance.Compute([new("a", 8, 16384, 4, 8192), new("b", 8, 16384, 0, 0)]));
    }

    [Fact]
    public void TwoEqualHosts_MoreThanHalfFull_TolerateNone()
    {
        Assert.Equal(0, FailureTolerance.Compute([new("a", 8, 16384, 6, 1024), new("b", 8, 16384, 3, 1024)]));
    }

    [Fact]
    public void TheBiggestHostsAreAssumedToFailFirst()
    {
        // Four hosts: 32 + 8 + 8 + 8 CPUs, 20 used. Losing the 32 leaves 24 >= 20; losing 32 and 8 leaves 16 < 20.
        var hosts = new List<HostSlot> { new("big", 32, 1 << 20, 20, 0), new("s1", 8, 1 << 20, 0, 0), new("s2", 8, 1 << 20, 0, 0), new("s3", 8, 1 << 20, 0, 0) };
        Assert.Equal(1, FailureTolerance.Compute(hosts));
    }

    [Fact]
    public void LoadOfFailedHosts_StillNeedsRoom()
    {
        Assert.Equal(0, FailureTolerance.Compute([new("a", 8, 16384, 6, 0, "failed"), new("b", 8, 16384, 4, 0)]));
    }
}
