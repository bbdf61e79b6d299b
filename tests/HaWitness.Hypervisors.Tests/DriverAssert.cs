namespace HaWitness.Hypervisors.Tests;

/// <summary>Asserts for driver results: the error's text is the failure message.</summary>
internal static class DriverAssert
{
    public static IHypervisorDriver Created(HypervisorOptions options)
    {
        var result = HypervisorDrivers.Create(options, TestLogging.Factory, TimeProvider.System);
        Assert.True(result.IsOk, result.ToString());
        return result.Value;
    }

    public static async Task<T> Ok<T>(ValueTask<HvResult<T>> call)
    {
        var result = await call;
        Assert.True(result.IsOk, result.ToString());
        return result.Value;
    }

    public static async Task Ok(ValueTask<HvResult> call)
    {
        var result = await call;
        Assert.True(result.IsOk, result.ToString());
    }
}
