using System.Text.Json;
using HaWitness.Cluster.Join;
using HaWitness.Cluster.Leases;
using HaWitness.Cluster.Quorum;
using HaWitness.Hypervisors;
using Xunit.Abstractions;

namespace HaWitness.Agent.Tests.Joining;

/// <summary>
/// The heartbeat body cap is sized from a real report: the agent's own serializer, a libvirt
/// domain as virt-install writes it. If reports grow, this fails before agents are refused.
/// </summary>
public sealed class HeartbeatSizeTests(ITestOutputHelper output)
{
    private const string Domain = """
<domain type='kvm'>
  <name>vm-web-0001</name>
  <uuid>6f1c2d3e-8a9b-4c5d-9e0f-1a2b3c4d5e6f</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
  </metadata>
  <memory unit='KiB'>4194304</memory>
  <currentMemory unit='KiB'>4194304</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
    <vmport state='off'/>
  </features>
  <cpu mode='host-passthrough' check='none' migratable='on'/>
  <clock offset='utc'>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <pm>
    <suspend-to-mem enabled='no'/>
    <suspend-to-disk enabled='no'/>
  </pm>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source protocol='iscsi' name='iqn.2026-11.lab.storage:vms/1'>
        <host name='192.168.10.5' port='3260'/>
        <initiator>
          <iqn name='iqn.2026-11.lab.host-a:initiator'/>
        </initiator>
      </source>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </controller>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='1' port='0x10'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
    </controller>
    <controller type='pci' index='2' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='2' port='0x11'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>
    </controller>
    <controller type='pci' index='3' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='3' port='0x12'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x2'/>
    </controller>
    <controller type='pci' index='4' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='4' port='0x13'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x3'/>
    </controller>
    <controller type='sata' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
    </controller>
    <controller type='virtio-serial' index='0'>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </controller>
    <interface type='bridge'>
      <mac address='52:54:00:12:34:56'/>
      <source bridge='br0'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
    <serial type='pty'>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video>
      <model type='virtio' heads='1' primary='yes'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
    </memballoon>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
      <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>
    </rng>
  </devices>
</domain>
""";

    [Fact]
    public void FirstReportOfAThousandNewLibvirtVms_FitsTheHeartbeatCap_WithMargin()
    {
        string definition = JsonSerializer.Serialize(VmDefinition.ForLibvirt("vm-web-0001", Domain), HypervisorJsonContext.Default.VmDefinition);
        int known = Size([new ReportedVm("vm-web-0001", true, 12)]) - Size([]);
        int fresh = Size([new ReportedVm("vm-web-0001", true, 0, null, definition)]) - Size([]);
        int thousand = Size([.. Enumerable.Range(0, 1000).Select(i => new ReportedVm($"vm-web-{i:D4}", true, 0, null, definition))]);
        output.WriteLine($"domain XML {Domain.Length} B; per VM in a report: {known} B known, {fresh} B with its definition; 1,000 new VMs: {thousand} B; cap {HeartbeatService.MaxReportBytes} B");

        Assert.True(thousand * 1.4 < HeartbeatService.MaxReportBytes, $"{thousand} B for 1,000 new VMs leaves under 40 % margin below {HeartbeatService.MaxReportBytes}");
        Assert.InRange(known, 40, 200);
    }

    private static int Size(IReadOnlyList<ReportedVm> vms) =>
        JsonSerializer.SerializeToUtf8Bytes(new HeartbeatRequest("host-a", "1234567890abcdef", 1000, 999, 4242, false, vms), AgentApiJson.Default.HeartbeatRequest).Length;
}
