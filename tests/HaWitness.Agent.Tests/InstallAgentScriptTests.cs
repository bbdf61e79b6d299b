using System.Security.Cryptography;
using HaWitness.Cluster.Join;
using HaWitness.Core.Configuration;
using HaWitness.TestSupport;

namespace HaWitness.Agent.Tests;

/// <summary>
/// scripts/install-agent.sh, run for real with bash into a temporary root (<c>--root</c>: no
/// systemctl, no modprobe): what it writes and with which modes, the unit, a second run that
/// changes nothing, bad input refused before anything is touched, and an uninstall that leaves
/// nothing behind.
/// </summary>
public sealed class InstallAgentScriptTests : IDisposable
{
    private const string Iqn = "iqn.1993-08.org.debian:01:0123456789ab";
    private static readonly string Join = JoinString.Format("https://127.0.0.1:8443", new string('a', 64), "abcdefghijklmnop0123");
    private readonly TempDir _dir = new();
    private readonly string _root;
    private readonly string _binary;

    public InstallAgentScriptTests()
    {
        _root = Directory.CreateDirectory(_dir.File("root")).FullName;
        Directory.CreateDirectory(Path.Combine(_root, "etc/iscsi"));
        File.WriteAllText(Path.Combine(_root, "etc/iscsi/initiatorname.iscsi"), $"## DO NOT EDIT OR REMOVE THIS FILE!\nInitiatorName={Iqn}\n");
        string bin = Directory.CreateDirectory(_dir.File("out")).FullName;
        _binary = Path.Combine(bin, "hawitness-agent");
        File.WriteAllText(_binary, "#!/bin/sh\necho the agent\n");
        File.SetUnixFileMode(_binary, (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(bin, "libe_sqlite3.so"), "sqlite");
    }

    public void Dispose() => _dir.Dispose();

    private static string Script()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "HaWitness.sln")))
            {
                return Path.Combine(d.FullName, "scripts", "install-agent.sh");
            }
        }

        throw new InvalidOperationException("HaWitness.sln not found above " + AppContext.BaseDirectory);
    }

    private Task<(int ExitCode, string StdOut, string StdErr)> Run(params string[] args) =>
        ProcessRunner.RunAsync("bash", [Script(), .. args, "--root", _root], TimeSpan.FromSeconds(60));

    private Task<(int ExitCode, string StdOut, string StdErr)> Install(params string[] extra) =>
        Run(["--join", Join, "--binary", _binary, .. extra]);

    private string At(string path) => Path.Combine(_root, path.TrimStart('/'));

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    /// <summary>Every file and link under the root with its mode and checksum (links: their target).</summary>
    private SortedDictionary<string, string> Tree()
    {
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(_root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(_root, entry.FullName);
            tree[rel] = entry.LinkTarget is { } target ? "-> " + target
                : entry is DirectoryInfo ? "dir " + Mode(entry.FullName)
                : Mode(entry.FullName) + " " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }

        return tree;
    }

    [Fact]
    public async Task Installs_files_modes_and_a_unit_and_a_second_run_changes_nothing()
    {
        var first = await Install();
        Assert.True(first.ExitCode == 0, first.StdErr + first.StdOut);
        Assert.Contains("skipped (--root): systemctl daemon-reload", first.StdOut);
        Assert.Contains("skipped (--root): modprobe softdog", first.StdOut);

        Assert.Equal("755", Mode(At("/usr/local/lib/hawitness-agent/hawitness-agent")));
        Assert.Equal(File.ReadAllBytes(_binary), File.ReadAllBytes(At("/usr/local/lib/hawitness-agent/hawitness-agent")));
        Assert.Equal("644", Mode(At("/usr/local/lib/hawitness-agent/libe_sqlite3.so")));
        Assert.Equal("/usr/local/lib/hawitness-agent/hawitness-agent", new FileInfo(At("/usr/local/bin/hawitness-agent")).LinkTarget);
        Assert.Equal("600", Mode(At("/etc/hawitness/agent.join")));
        Assert.Equal(Join + "\n", File.ReadAllText(At("/etc/hawitness/agent.join")));
        Assert.Equal("600", Mode(At("/etc/hawitness/agent.json")));
        Assert.Equal("700", Mode(At("/var/lib/hawitness-agent")));
        Assert.Equal("softdog\n", File.ReadAllText(At("/etc/modules-load.d/hawitness-softdog.conf")));

        // The configuration is one the agent accepts, with the initiator read from open-iscsi's file.
        var options = AgentConfiguration.Load(At("/etc/hawitness/agent.json"), [KeyValuePair.Create("Witness", (string?)"https://127.0.0.1:8443"), KeyValuePair.Create("JoinToken", (string?)"abcdefghijklmnop0123")]);
        Assert.Equal(("libvirt", Iqn, "/dev/watchdog", "127.0.0.1:7420", "/var/lib/hawitness-agent"),
            (options.Hypervisor, options.InitiatorIqn, options.Watchdog, options.Raft, options.DataDirectory));

        string unit = File.ReadAllText(At("/etc/systemd/system/hawitness-agent.service"));
        Assert.Equal("644", Mode(At("/etc/systemd/system/hawitness-agent.service")));
        foreach (string line in new[]
        {
            "Type=notify",
            "ExecStart=/usr/local/lib/hawitness-agent/hawitness-agent --config /etc/hawitness/agent.json --join-file /etc/hawitness/agent.join",
            "Restart=on-failure", "WatchdogSec=30s", "StateDirectory=hawitness-agent", "NoNewPrivileges=yes", "CapabilityBoundingSet=",
            "ProtectSystem=strict", "WantedBy=multi-user.target",
        })
        {
            Assert.Contains("\n" + line + "\n", unit);
        }

        Assert.DoesNotContain(Join, unit);

        var before = Tree();
        var second = await Install();
        Assert.True(second.ExitCode == 0, second.StdErr + second.StdOut);
        Assert.Contains("nothing to change", second.StdOut);
        Assert.DoesNotContain("wrote", second.StdOut);
        Assert.Equal(before, Tree());
    }

    [Fact]
    public async Task A_vmware_host_gets_a_unit_whose_restarts_leave_the_vms_running()
    {
        var r = await Install("--hypervisor", "vmrun", "--watchdog", "none", "--name", "esx-a", "--raft", "10.0.0.5:7420");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);

        string unit = File.ReadAllText(At("/etc/systemd/system/hawitness-agent.service"));
        Assert.Contains("\nKillMode=process\n", unit);
        Assert.DoesNotContain("ProtectSystem", unit);
        Assert.False(File.Exists(At("/etc/modules-load.d/hawitness-softdog.conf")));
        var options = AgentConfiguration.Load(At("/etc/hawitness/agent.json"), [KeyValuePair.Create("Witness", (string?)"https://127.0.0.1:8443"), KeyValuePair.Create("JoinToken", (string?)"abcdefghijklmnop0123")]);
        Assert.Equal(("vmrun", "esx-a", "none", "10.0.0.5:7420"), (options.Hypervisor, options.Name, options.Watchdog, options.Raft));
    }

    [Theory]
    [InlineData("--join", "hawitness-join:v2:aGVsbG8")]
    [InlineData("--join", "hawitness-join:v1:aGVsbG8")] // "hello": not URL|fingerprint|token
    [InlineData("--join", "hawitness-join:v1:$(touch /tmp/x)")]
    [InlineData("--hypervisor", "xen")]
    [InlineData("--hypervisor", "libvirt\"; rm -rf /")]
    [InlineData("--name", "a;b")]
    [InlineData("--raft", "10.0.0.5:99999")]
    [InlineData("--raft", "host:7420")]
    [InlineData("--initiator", "iqn.bad")]
    [InlineData("--watchdog", "/tmp/wd")]
    [InlineData("--bogus", "x")]
    public async Task Bad_input_is_refused_and_nothing_is_touched(string option, string value)
    {
        var before = Tree();
        var r = option == "--join"
            ? await Run("--join", value, "--binary", _binary)
            : await Install(option, value);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("install-agent: ", r.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, Tree());
    }

    [Fact]
    public async Task An_appliance_named_by_host_name_needs_raft()
    {
        string join = JoinString.Format("https://witness.example", new string('b', 64), "abcdefghijklmnop0123");

        var without = await Run("--join", join, "--binary", _binary);
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("give --raft IP:PORT", without.StdErr);

        var with = await Run("--join", join, "--binary", _binary, "--raft", "10.0.0.7:7420");
        Assert.True(with.ExitCode == 0, with.StdErr + with.StdOut);
        Assert.Equal(join + "\n", File.ReadAllText(At("/etc/hawitness/agent.join")));
    }

    [Fact]
    public async Task A_host_without_open_iscsi_is_refused()
    {
        File.Delete(At("/etc/iscsi/initiatorname.iscsi"));
        var r = await Install();

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("install open-iscsi", r.StdErr);
        Assert.False(Directory.Exists(At("/etc/hawitness")));
    }

    [Fact]
    public async Task Uninstall_removes_everything_it_installed_and_purge_the_data()
    {
        var fixture = Tree();
        Assert.Equal(0, (await Install()).ExitCode);
        File.WriteAllText(At("/var/lib/hawitness-agent/journal.db"), "data");

        var r = await Run("--uninstall");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        Assert.Contains("kept /var/lib/hawitness-agent/", r.StdOut);
        var left = Tree().Where(e => !e.Value.StartsWith("dir ", StringComparison.Ordinal)).Select(e => e.Key).ToList();
        Assert.Equal(["etc/iscsi/initiatorname.iscsi", "var/lib/hawitness-agent/journal.db"], left);

        var purge = await Run("--uninstall", "--purge");
        Assert.Equal(0, purge.ExitCode);
        Assert.False(Directory.Exists(At("/var/lib/hawitness-agent")));
        Assert.Equal(fixture.Where(e => !e.Value.StartsWith("dir ", StringComparison.Ordinal)), Tree().Where(e => !e.Value.StartsWith("dir ", StringComparison.Ordinal)));

        var again = await Run("--uninstall");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing to change", again.StdOut);
    }
}
