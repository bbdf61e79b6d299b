namespace HaWitness.Hypervisors.Tests;

public sealed class HypervisorDriversTests
{
    [Fact]
    public async Task Create_Sim_GivesTheSimulation()
    {
        var result = HypervisorDrivers.Create(new HypervisorOptions { Kind = "sim", HostName = "h1", Sim = new SimOptions { Vms = 2 } }, TestLogging.Factory, TimeProvider.System);

        Assert.True(result.IsOk);
        await using var driver = result.Value;
        Assert.Equal("sim", driver.Kind);
        Assert.Equal(2, (await driver.ListAsync(default)).Value.Count);
    }

    [Theory]
    [InlineData("hyperv")]
    [InlineData("")]
    [InlineData("libvirt; rm -rf /")]
    public void Create_AnUnknownKind_IsAnInvalidArgument(string kind)
    {
        var result = HypervisorDrivers.Create(new HypervisorOptions { Kind = kind }, TestLogging.Factory, TimeProvider.System);

        Assert.Equal(HypervisorErrorKind.InvalidArgument, result.Error?.Kind);
    }

    [Fact]
    public void Create_Libvirt_WithAnInvalidInitiator_IsAnInvalidArgument()
    {
        var options = new HypervisorOptions { Kind = "libvirt", Libvirt = new LibvirtOptions { InitiatorIqn = "not an iqn" } };

        Assert.Equal(HypervisorErrorKind.InvalidArgument, HypervisorDrivers.Create(options, TestLogging.Factory, TimeProvider.System).Error?.Kind);
    }

    [Fact]
    public void Create_Libvirt_WithAMissingLibrary_IsLibraryMissing()
    {
        var options = new HypervisorOptions { Kind = "libvirt", Libvirt = new LibvirtOptions { Library = "/nonexistent/libvirt.so.0" } };

        Assert.Equal(HypervisorErrorKind.LibraryMissing, HypervisorDrivers.Create(options, TestLogging.Factory, TimeProvider.System).Error?.Kind);
    }

    [Fact]
    public void Create_WithANonPositiveTimeout_IsAnInvalidArgument()
    {
        var options = new HypervisorOptions { Kind = "sim", CallTimeout = TimeSpan.Zero };

        Assert.Equal(HypervisorErrorKind.InvalidArgument, HypervisorDrivers.Create(options, TestLogging.Factory, TimeProvider.System).Error?.Kind);
    }

    [Fact]
    public void LibvirtOptions_DefaultToQemuSystem_WhenLibvirtDefaultUriIsUnset()
    {
        string? env = Environment.GetEnvironmentVariable("LIBVIRT_DEFAULT_URI");

        Assert.Equal(string.IsNullOrEmpty(env) ? "qemu:///system" : env, new LibvirtOptions().Uri);
    }
}
