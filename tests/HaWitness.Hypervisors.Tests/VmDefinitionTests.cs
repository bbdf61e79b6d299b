using System.Text.Json;

namespace HaWitness.Hypervisors.Tests;

public sealed class VmDefinitionTests
{
    [Fact]
    public void Json_RoundTripsThroughTheSourceGeneratedContext()
    {
        var vix = VmDefinition.ForVix("web1", "vms/web1/web1.vmx", "ds1");
        var lv = VmDefinition.ForLibvirt("db1", "<domain><name>db1</name></domain>");

        string json = JsonSerializer.Serialize(vix, HypervisorJsonContext.Default.VmDefinition);
        var back = JsonSerializer.Deserialize(json, HypervisorJsonContext.Default.VmDefinition);
        var lvBack = JsonSerializer.Deserialize(JsonSerializer.Serialize(lv, HypervisorJsonContext.Default.VmDefinition), HypervisorJsonContext.Default.VmDefinition);

        Assert.Equal("""{"name":"web1","kind":"Vix","vmxPath":"vms/web1/web1.vmx","datastore":"ds1"}""", json);
        Assert.Equal(vix, back);
        Assert.Equal(lv, lvBack);
    }

    [Fact]
    public void Ref_NamesTheVmTheWayEachHypervisorDoes()
    {
        Assert.Equal(new VmRef("web1", "[ds1] vms/web1.vmx"), VmDefinition.ForVix("web1", "vms/web1.vmx", "ds1").Ref);
        Assert.Equal(new VmRef("web1", "/vmfs/web1.vmx"), VmDefinition.ForVix("web1", "/vmfs/web1.vmx").Ref);
        Assert.Equal(new VmRef("db1", "db1"), VmDefinition.ForLibvirt("db1", "<domain><name>db1</name></domain>").Ref);
    }

    [Fact]
    public void Validate_AcceptsGoodDefinitions()
    {
        Assert.Null(VmDefinition.ForVix("web1", "/vmfs/volumes/ds1/web1/web1.vmx").Validate());
        Assert.Null(VmDefinition.ForVix("web1", "web1/web1.vmx", "ds 1").Validate());
        Assert.Null(VmDefinition.ForLibvirt("db1", "<domain><name>db1</name></domain>").Validate());
        Assert.Null(VmDefinition.ForSim("hosta-vm01").Validate());
    }

    [Theory]
    [InlineData("", "/a/b.vmx", null)]
    [InlineData("-rf", "/a/b.vmx", null)]
    [InlineData("a;b", "/a/b.vmx", null)]
    [InlineData("ok", "/a/../b.vmx", null)]
    [InlineData("ok", "/a/b.vmx", "ds1")]
    [InlineData("ok", "a/b.vmx", "ds]1")]
    [InlineData("ok", "a/b.vmx", "")]
    [InlineData("ok", "/a/b.vmdk", null)]
    public void Validate_RefusesBadVixDefinitions(string name, string path, string? datastore)
    {
        Assert.Equal(HypervisorErrorKind.InvalidArgument, VmDefinition.ForVix(name, path, datastore).Validate()?.Kind);
    }

    [Fact]
    public void Validate_RefusesALibvirtDefinitionWhoseXmlNamesAnotherDomain()
    {
        var error = VmDefinition.ForLibvirt("db1", "<domain><name>db2</name></domain>").Validate();

        Assert.Equal(HypervisorErrorKind.InvalidArgument, error?.Kind);
        Assert.Contains("db2", error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/vmfs/volumes/ds1/web 1/web 1.vmx", "web_1")]
    [InlineData("[ds1] app/app.vmx", "app")]
    [InlineData("/vms/-x.vmx", "vm_x")]
    public void FromVmxPath_GivesAValidName(string path, string name)
    {
        Assert.Equal(name, VmNames.FromVmxPath(path));
        Assert.True(VmNames.IsValid(VmNames.FromVmxPath(path)));
    }
}
