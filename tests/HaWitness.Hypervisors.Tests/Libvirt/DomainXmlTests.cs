using HaWitness.Hypervisors.Libvirt;

namespace HaWitness.Hypervisors.Tests.Libvirt;

public sealed class DomainXmlTests
{
    private const string Xml = """
        <domain type='qemu'>
          <name>web1</name>
          <memory unit='MiB'>256</memory>
          <devices>
            <disk type='network' device='disk'>
              <source protocol='iscsi' name='iqn.2026-01.lab:t1/1'>
                <host name='10.0.0.1' port='3260'/>
                <initiator><iqn name='iqn.2026-01.lab:hosta'/></initiator>
              </source>
              <target dev='vda' bus='virtio'/>
            </disk>
            <disk type='network' device='disk'>
              <source protocol='iscsi' name='iqn.2026-01.lab:t1/2'>
                <host name='10.0.0.1' port='3260'/>
              </source>
              <target dev='vdb' bus='virtio'/>
            </disk>
            <disk type='network' device='cdrom'>
              <source protocol='nbd' name='iso'><host name='10.0.0.2'/></source>
              <target dev='hdc' bus='ide'/>
            </disk>
          </devices>
        </domain>
        """;

    [Fact]
    public void WithInitiator_RewritesEveryIscsiDisk_AndAddsTheElementWhereMissing()
    {
        var rewritten = DomainXml.WithInitiator(Xml, "iqn.2026-01.lab:hostb");

        Assert.True(rewritten.IsOk, rewritten.ToString());
        var parsed = DomainXml.Parse(rewritten.Value).Value;
        Assert.Equal(["iqn.2026-01.lab:hostb", "iqn.2026-01.lab:hostb"], parsed.Initiators);
        Assert.Equal(["iqn.2026-01.lab:t1/1", "iqn.2026-01.lab:t1/2"], parsed.IscsiSources);
        Assert.DoesNotContain("hosta", rewritten.Value, StringComparison.Ordinal);
        Assert.Contains("protocol=\"nbd\"", rewritten.Value, StringComparison.Ordinal); // other disks untouched
        Assert.DoesNotContain("<initiator>", rewritten.Value[rewritten.Value.IndexOf("nbd", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iqn.2026-01.lab:hostb' /><qemu:commandline")]
    [InlineData("IQN.2026-01.LAB:HOSTB")]
    [InlineData("iqn.2026-13.lab:x")]
    [InlineData("hostb")]
    [InlineData("")]
    public void WithInitiator_RefusesAnInvalidIqn(string iqn)
    {
        var result = DomainXml.WithInitiator(Xml, iqn);

        Assert.Equal(HypervisorErrorKind.InvalidArgument, result.Error?.Kind);
    }

    [Fact]
    public void Parse_RefusesADtdAndEntities()
    {
        const string bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <domain><name>&b;</name></domain>
            """;
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/shadow">]>
            <domain><name>&x;</name></domain>
            """;

        Assert.Equal(HypervisorErrorKind.InvalidArgument, DomainXml.Parse(bomb).Error?.Kind);
        Assert.Equal(HypervisorErrorKind.InvalidArgument, DomainXml.Parse(xxe).Error?.Kind);
    }

    [Fact]
    public void Parse_RefusesQemuPassThrough()
    {
        string xml = Xml.Replace("<domain type='qemu'>", "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>", StringComparison.Ordinal)
            .Replace("</devices>", "</devices><qemu:commandline><qemu:arg value='-S'/></qemu:commandline>", StringComparison.Ordinal);

        var result = DomainXml.Parse(xml);

        Assert.Equal(HypervisorErrorKind.InvalidArgument, result.Error?.Kind);
        Assert.Contains("pass-through", result.Error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<vm><name>x</name></vm>")]
    [InlineData("<domain><name>../etc</name></domain>")]
    [InlineData("<domain><name></name></domain>")]
    [InlineData("<domain><name>a b</name></domain>")]
    [InlineData("<domain><name>ok</name><uuid>not-a-uuid</uuid></domain>")]
    [InlineData("<domain><name>unclosed</name>")]
    public void Parse_RefusesMalformedOrHostileDomains(string xml)
    {
        Assert.Equal(HypervisorErrorKind.InvalidArgument, DomainXml.Parse(xml).Error?.Kind);
    }

    [Fact]
    public void Parse_RefusesAnOversizedDocument()
    {
        string xml = "<domain><name>big</name><description>" + new string('x', DomainXml.MaxLength) + "</description></domain>";

        Assert.Equal(HypervisorErrorKind.InvalidArgument, DomainXml.Parse(xml).Error?.Kind);
    }

    [Fact]
    public void WithUuidIfMissing_AddsTheExistingUuid_AndKeepsAGivenOne()
    {
        var without = DomainXml.Parse("<domain><name>a</name></domain>").Value;
        var with = DomainXml.Parse("<domain><name>a</name><uuid>0f8fad5b-d9cb-469f-a165-70867728950e</uuid></domain>").Value;

        Assert.Contains("<uuid>11111111-2222-3333-4444-555555555555</uuid>", without.WithUuidIfMissing("11111111-2222-3333-4444-555555555555"), StringComparison.Ordinal);
        Assert.DoesNotContain("11111111", with.WithUuidIfMissing("11111111-2222-3333-4444-555555555555"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<vcpu placement='static'>2</vcpu><memory unit='KiB'>196608</memory>", 2, 192L)]
    [InlineData("<vcpu>4</vcpu><memory>1048576</memory>", 4, 1024L)] // no unit: KiB
    [InlineData("<vcpu>1</vcpu><memory unit='GiB'>8</memory>", 1, 8192L)]
    [InlineData("<vcpu>1</vcpu><memory unit='MB'>100</memory>", 1, 96L)] // 100,000,000 bytes, rounded up
    [InlineData("<vcpu>1</vcpu><memory unit='bytes'>1</memory>", 1, 1L)]
    [InlineData("<vcpu>zero</vcpu><memory unit='parsecs'>3</memory>", null, null)]
    [InlineData("<vcpu>-2</vcpu><memory unit='TiB'>99999999999</memory>", null, null)] // overflows
    [InlineData("", null, null)]
    public void Size_IsReadFromVcpuAndMemory_InLibvirtsUnits(string elements, int? cpus, long? memoryMib)
    {
        var parsed = DomainXml.Parse($"<domain type='qemu'><name>g1</name>{elements}</domain>");
        Assert.True(parsed.IsOk, parsed.ToString());
        Assert.Equal(cpus, parsed.Value.Vcpus);
        Assert.Equal(memoryMib, parsed.Value.MemoryMiB);
    }
}
