using HaWitness.Agent.Runtime.Reconcile;

namespace HaWitness.Agent.Tests.Reconcile;

/// <summary>
/// The heartbeat's VM report: what this agent did shows at once (not only at the next listing),
/// and each change is signalled once so the heartbeat carrying it goes out immediately.
/// </summary>
public sealed class VmInventoryTests
{
    private readonly VmInventory _inventory = new();
    private int _changes;

    public VmInventoryTests() => _inventory.Changed += () => Interlocked.Increment(ref _changes);

    private static bool Known(string _) => true;

    [Fact]
    public void AStartIsReportedRunningAtItsEpoch_BeforeTheNextListing_AndSignalledOnce()
    {
        _inventory.Listed([("web", false, null)]);
        _inventory.Started("web", 14);

        var web = Assert.Single(_inventory.Report(Known));
        Assert.True(web.Running);
        Assert.Equal(14, web.Epoch);
        Assert.Equal(1, _changes);

        // The next pass adopts the running VM at the same epoch: nothing new, no extra heartbeat.
        _inventory.Listed([("web", true, null)]);
        _inventory.Started("web", 14);
        Assert.Equal(1, _changes);
    }

    [Fact]
    public void AVmRegisteredHereForTheFirstTime_IsReportedAsSoonAsItStarts()
    {
        _inventory.Listed([("db", true, null)]);
        _inventory.Started("web", 21); // placed here by a failover: not in the listing taken before its registration

        var report = _inventory.Report(Known).ToDictionary(v => v.Name);
        Assert.True(report["web"].Running);
        Assert.Equal(21, report["web"].Epoch);
        Assert.True(report["db"].Running);
        Assert.Equal(1, _changes);
    }

    [Fact]
    public void AStopIsReportedOffWithoutEpoch_AndARepeatedFailureIsSignalledOnlyWhenItsTextChanges()
    {
        _inventory.Listed([("web", true, null)]);
        _inventory.Started("web", 3);
        _inventory.Stopped("web");
        var web = Assert.Single(_inventory.Report(Known));
        Assert.False(web.Running);
        Assert.Equal(0, web.Epoch);
        Assert.Equal(2, _changes);

        _inventory.Failed("web", 3, "libvirt: no such domain");
        _inventory.Failed("web", 3, "libvirt: no such domain");
        Assert.Equal(3, _changes);
        Assert.Equal("libvirt: no such domain", Assert.Single(_inventory.Report(Known)).Error);
        _inventory.Failed("web", 3, "libvirt: disk not found");
        Assert.Equal(4, _changes);

        // Stopping a VM that is neither listed nor started changes nothing.
        _inventory.Stopped("ghost");
        Assert.Equal(4, _changes);
    }

    [Fact]
    public void ARefusedStartIsReportedAtTheEpochItWasFor_EvenWhenTheHypervisorDoesNotListTheVm()
    {
        // libvirt refused to define the domain: it is not listed, the refusal still reaches the
        // appliance, with the epoch of the start it refuses (not 0, which no epoch ever is).
        _inventory.Listed([("db", true, null)]);
        _inventory.Failed("web", 42, "libvirt: unsupported configuration: domain requires KVM");
        var web = Assert.Single(_inventory.Report(Known), v => v.Name == "web");
        Assert.False(web.Running);
        Assert.Equal(42, web.Epoch);
        Assert.Equal("libvirt: unsupported configuration: domain requires KVM", web.Error);
        Assert.Equal(1, _changes);

        // Listed off later (defined, start refused): the same epoch and message.
        _inventory.Listed([("db", true, null), ("web", false, null)]);
        web = Assert.Single(_inventory.Report(Known), v => v.Name == "web");
        Assert.Equal((false, 42L, "libvirt: unsupported configuration: domain requires KVM"), (web.Running, web.Epoch, web.Error));

        // Once the VM is no longer this host's, its failure is forgotten.
        _inventory.Listed([("db", true, null)]);
        _inventory.ForgetFailures(vm => vm != "web");
        Assert.DoesNotContain(_inventory.Report(Known), v => v.Name == "web");
    }

    [Fact]
    public void AVmTheClusterDoesNotKnow_IsReportedWithItsDefinitionAndSize_OnlyUntilItIsKnown()
    {
        _inventory.Listed([("guest", true, new VmDescription("{\"name\":\"guest\"}", 2, 192))]);
        var guest = Assert.Single(_inventory.Report(_ => false));
        Assert.Equal(("{\"name\":\"guest\"}", 2, 192L), (guest.Definition, guest.Cpus, guest.MemoryMb));

        guest = Assert.Single(_inventory.Report(_ => true));
        Assert.Equal((null, 0, 0L), (guest.Definition, guest.Cpus, guest.MemoryMb));
    }
}
