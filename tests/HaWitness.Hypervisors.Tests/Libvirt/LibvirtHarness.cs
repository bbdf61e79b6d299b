using System.Net;
using System.Net.Sockets;
using HaWitness.TestSupport;

namespace HaWitness.Hypervisors.Tests.Libvirt;

/// <summary>
/// Real parts for the libvirt tests, started without systemd and stopped by their PIDs: a tgtd on
/// loopback (free port, own control number) exporting one LUN, and a libvirtd with its own
/// configuration and socket folder.
/// </summary>
/// <remarks>
/// libvirtd runs in a private mount namespace that (1) shows it our own /etc/libvirt, whose
/// qemu.conf logs guest output to files (no virtlogd needed) and turns off the per-guest /dev
/// namespace, and (2) hides this machine's /dev/kvm behind an empty file. That device exists here
/// but is unusable by the qemu user, and libvirt 9.0 then throws away its QEMU capability cache on
/// every call and re-probes QEMU (~45 s per define, seen here). Guests are TCG either way; nothing
/// outside libvirtd's namespace changes.
/// </remarks>
public sealed class LibvirtHarness : IAsyncLifetime
{
    /// <summary>The initiator the tgt target grants: the "host" the driver under test runs as.</summary>
    public const string HostIqn = "iqn.2026-01.test.hawitness:hosta";

    private readonly List<TestProcess> _daemons = [];
    private readonly TempDir _dir = new("hawitness-libvirt");

    public string Dir => _dir.Path;

    public string Uri => $"qemu:///system?socket={_dir.Path}/sock/libvirt-sock";

    public string GuestDir { get; private set; } = string.Empty;

    public int IscsiPort { get; private set; }

    public int TgtControl { get; private set; }

    public string TargetIqn { get; } = $"iqn.2026-01.test.hawitness:lv{Environment.ProcessId}";

    public string LunFile => _dir.File("lun1.img");

    /// <summary>A unique prefix for domain names, so a stale domain from an earlier run never collides.</summary>
    public string Prefix { get; } = "hwtest-" + Guid.NewGuid().ToString("N")[..6];

    public TestProcess Libvirtd { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        GuestDir = await TestGuest.EnsureAsync();
        await EnsureQemuUserAsync();
        await StartTgtdAsync();
        await StartLibvirtdAsync();
    }

    public async Task DisposeAsync()
    {
        // Domains first (their qemu processes are libvirtd's children), then the daemons.
        await RunAsync("virsh", "-c", Uri, "list", "--all", "--name").ContinueWith(async t =>
        {
            foreach (string name in t.Result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
            {
                await RunAsync("virsh", "-c", Uri, "destroy", name);
                await RunAsync("virsh", "-c", Uri, "undefine", name);
            }
        }, TaskScheduler.Default).Unwrap();
        await RunAsync("tgtadm", "-C", Ctl, "--lld", "iscsi", "--op", "delete", "--mode", "target", "--tid", "1", "--force");
        await RunAsync("tgtadm", "-C", Ctl, "--lld", "iscsi", "--op", "delete", "--mode", "system");
        foreach (var daemon in Enumerable.Reverse(_daemons))
        {
            if (!daemon.HasExited)
            {
                daemon.Signal(Posix.SIGTERM);
                try
                {
                    await daemon.WaitForExitAsync(TimeSpan.FromSeconds(5));
                }
                catch (TimeoutException)
                {
                    // WaitForExitAsync killed it (SIGKILL, by PID).
                }
            }

            daemon.Dispose();
        }

        _dir.Dispose();
    }

    /// <summary>A domain XML for the tiny guest whose virtio disk is this harness's iSCSI LUN, as <paramref name="initiator"/>.</summary>
    public string DomainXml(string name, string initiator = "iqn.2026-01.test.hawitness:placeholder", string? kernel = null) => $"""
        <domain type='qemu'>
          <name>{name}</name>
          <memory unit='MiB'>128</memory>
          <vcpu>1</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
            <kernel>{kernel ?? Path.Combine(GuestDir, "vmlinuz")}</kernel>
            <initrd>{Path.Combine(GuestDir, "initrd.gz")}</initrd>
            <cmdline>console=ttyS0 panic=-1 loglevel=3 marker={name}</cmdline>
          </os>
          <on_poweroff>destroy</on_poweroff>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <disk type='network' device='disk'>
              <driver name='qemu' type='raw' cache='none'/>
              <source protocol='iscsi' name='{TargetIqn}/1'>
                <host name='127.0.0.1' port='{IscsiPort}'/>
                <initiator><iqn name='{initiator}'/></initiator>
              </source>
              <target dev='vda' bus='virtio'/>
            </disk>
            <serial type='file'><source path='{SerialLog(name)}'/></serial>
            <console type='file'><source path='{SerialLog(name)}'/></console>
            <memballoon model='none'/>
          </devices>
        </domain>
        """;

    public string SerialLog(string name) => _dir.File(name + "-serial.log");

    /// <summary>Waits for a line in the guest's serial console; returns when it appears.</summary>
    public async Task<bool> WaitForSerialAsync(string name, string text, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (File.Exists(SerialLog(name)) && File.ReadAllText(SerialLog(name)).Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    public HypervisorOptions Options(string? initiator = HostIqn, TimeSpan? timeout = null) => new()
    {
        Kind = "libvirt",
        CallTimeout = timeout ?? TimeSpan.FromSeconds(60),
        Libvirt = new LibvirtOptions { Uri = Uri, InitiatorIqn = initiator },
    };

    public static Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(string file, params string[] args) =>
        TestProcess.RunAsync((file, []), args, TimeSpan.FromSeconds(30));

    private string Ctl => TgtControl.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task EnsureQemuUserAsync()
    {
        if ((await RunAsync("getent", "passwd", "libvirt-qemu")).ExitCode != 0)
        {
            var (code, _, err) = await RunAsync("useradd", "--system", "--user-group", "libvirt-qemu");
            if (code != 0 && (await RunAsync("getent", "passwd", "libvirt-qemu")).ExitCode != 0)
            {
                throw new InvalidOperationException("useradd libvirt-qemu failed: " + err);
            }
        }
    }

    private async Task StartTgtdAsync()
    {
        IscsiPort = FreePort();
        do
        {
            TgtControl = 200 + Random.Shared.Next(700); // a control number no other tgtd on this machine answers on
        }
        while ((await RunAsync("tgtadm", "-C", Ctl, "--op", "show", "--mode", "sys")).ExitCode == 0);

        File.Create(LunFile).Dispose();
        File.SetUnixFileMode(LunFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var f = File.OpenWrite(LunFile))
        {
            f.SetLength(16 << 20);
        }

        var tgtd = TestProcess.Start(("tgtd", []), ["-f", "-C", Ctl, "--iscsi", $"portal=127.0.0.1:{IscsiPort}"]);
        _daemons.Add(tgtd);
        for (int i = 0; i < 250 && (await RunAsync("tgtadm", "-C", Ctl, "--op", "show", "--mode", "sys")).ExitCode != 0; i++)
        {
            if (tgtd.HasExited)
            {
                throw new InvalidOperationException("tgtd exited:\n" + tgtd.AllOutput);
            }

            await Task.Delay(20);
        }

        await Must("tgtadm", "-C", Ctl, "--lld", "iscsi", "--op", "new", "--mode", "target", "--tid", "1", "--targetname", TargetIqn);
        await Must("tgtadm", "-C", Ctl, "--lld", "iscsi", "--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", "1", "--backing-store", LunFile, "--bstype", "rdwr");
        await Must("tgtadm", "-C", Ctl, "--lld", "iscsi", "--op", "bind", "--mode", "target", "--tid", "1", "--initiator-name", HostIqn);
    }

    private async Task StartLibvirtdAsync()
    {
        Directory.CreateDirectory(_dir.File("sock"));
        File.WriteAllText(_dir.File("libvirtd.conf"), $"""
            unix_sock_dir = "{_dir.File("sock")}"
            unix_sock_group = "root"
            unix_sock_rw_perms = "0700"
            auth_unix_rw = "none"
            auth_unix_ro = "none"
            log_outputs = "3:file:{_dir.File("libvirtd.log")}"
            """);
        string etc = _dir.File("etc-libvirt");
        Directory.CreateDirectory(etc);
        foreach (string file in Directory.GetFiles("/etc/libvirt"))
        {
            File.Copy(file, Path.Combine(etc, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(etc, "qemu.conf"), "namespaces = [ ]\nstdio_handler = \"file\"\n");
        File.WriteAllText(_dir.File("no-kvm"), string.Empty);
        File.SetUnixFileMode(_dir.File("no-kvm"), UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // unshare and bash exec into libvirtd: the PID we hold is libvirtd's. Paths reach the script as arguments.
        const string script = "mount --bind \"$1\" /etc/libvirt && { [ ! -e /dev/kvm ] || mount --bind \"$2\" /dev/kvm; } && exec \"${@:3}\"";
        Libvirtd = TestProcess.Start(("unshare", []), ["--mount", "--propagation", "private", "--", "bash", "-c", script, "libvirtd-ns", etc, _dir.File("no-kvm"),
            "libvirtd", "-f", _dir.File("libvirtd.conf"), "-p", _dir.File("libvirtd.pid")]);
        _daemons.Add(Libvirtd);
        for (int i = 0; i < 300; i++)
        {
            if (File.Exists(_dir.File("sock/libvirt-sock")) && (await RunAsync("virsh", "-c", Uri, "version")).ExitCode == 0)
            {
                return;
            }

            if (Libvirtd.HasExited)
            {
                throw new InvalidOperationException("libvirtd exited:\n" + Libvirtd.AllOutput);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("libvirtd did not answer within 15 s:\n" + Libvirtd.AllOutput);
    }

    private static async Task Must(string file, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {stdout} {stderr}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One libvirtd for all libvirt tests, which run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibvirtCollection : ICollectionFixture<LibvirtHarness>
{
    public const string Name = "libvirtd";
}
