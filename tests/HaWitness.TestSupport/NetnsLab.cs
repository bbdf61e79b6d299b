using System.Text.Json;

namespace HaWitness.TestSupport;

/// <summary>
/// A witness and hosts in their own network namespaces, joined by a bridge in a "switch"
/// namespace (../shared/recipes/netns.sh). The private subnet exists only inside them: the test
/// reaches the appliance with <c>ip netns exec</c> from inside its namespace, never from the root
/// namespace. Partitions: a namespace's link down, or iptables DROP inside a namespace.
/// Every namespace and process is removed on dispose.
/// </summary>
public sealed class NetnsLab : IAsyncDisposable
{
    private readonly string _prefix = "hw" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _namespaces = [];
    private readonly List<TestProcess> _processes = [];
    private readonly TempDir _dir = new("hawitness-netns");
    private readonly int _subnet = Random.Shared.Next(1, 250);

    public string Dir => _dir.Path;

    public string Ns(string name) => $"{_prefix}-{name}";

    public string Ip(int host) => $"10.213.{_subnet}.{host}";

    public static bool Available => OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/sbin/ip");

    /// <summary>Creates the switch and one namespace per name, with addresses .1, .11, .12, ...</summary>
    public async Task UpAsync(params (string Name, int Host)[] nodes)
    {
        await IpCmd("netns", "add", Ns("sw"));
        _namespaces.Add(Ns("sw"));
        await IpCmd("-n", Ns("sw"), "link", "add", "br0", "type", "bridge");
        await IpCmd("-n", Ns("sw"), "link", "set", "br0", "up");
        await IpCmd("-n", Ns("sw"), "link", "set", "lo", "up");
        foreach (var (name, host) in nodes)
        {
            string ns = Ns(name);
            await IpCmd("netns", "add", ns);
            _namespaces.Add(ns);
            await IpCmd("-n", ns, "link", "set", "lo", "up");
            // Both ends are created directly inside the namespaces, never in the root namespace.
            await IpCmd("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", "p-" + name, "netns", Ns("sw"));
            await IpCmd("-n", Ns("sw"), "link", "set", "p-" + name, "master", "br0");
            await IpCmd("-n", Ns("sw"), "link", "set", "p-" + name, "up");
            await IpCmd("-n", ns, "addr", "add", $"{Ip(host)}/24", "dev", "eth0");
            await IpCmd("-n", ns, "link", "set", "eth0", "up");
        }
    }

    /// <summary>Runs a program inside a namespace, as a child process of the test.</summary>
    public TestProcess Start(string ns, (string FileName, IReadOnlyList<string> Prefix) program, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var p = TestProcess.Start(("ip", ["netns", "exec", Ns(ns), program.FileName, .. program.Prefix]), args, env);
        _processes.Add(p);
        return p;
    }

    /// <summary>Cuts a node off the switch (its link down).</summary>
    public Task CutAsync(string name) => IpCmd("-n", Ns(name), "link", "set", "eth0", "down");

    /// <summary>Reconnects a node.</summary>
    public Task HealAsync(string name) => IpCmd("-n", Ns(name), "link", "set", "eth0", "up");

    /// <summary>Drops all traffic between a node and one address (iptables inside the node's namespace).</summary>
    public async Task BlockAsync(string name, string address)
    {
        await Run("ip", "netns", "exec", Ns(name), "iptables", "-A", "INPUT", "-s", address, "-j", "DROP");
        await Run("ip", "netns", "exec", Ns(name), "iptables", "-A", "OUTPUT", "-d", address, "-j", "DROP");
    }

    /// <summary>GETs a URL from inside a namespace with curl; returns the body (empty on failure).</summary>
    public async Task<string> CurlAsync(string ns, string url)
    {
        var (code, stdout, _) = await TestProcess.RunAsync(("ip", []), ["netns", "exec", Ns(ns), "curl", "-s", "--max-time", "3", url], TimeSpan.FromSeconds(10));
        return code == 0 ? stdout : string.Empty;
    }

    /// <summary>Polls the appliance's status (from inside its namespace) until the condition holds.</summary>
    public async Task<JsonElement> WaitForStatusAsync(string ns, string url, Func<JsonElement, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            last = await CurlAsync(ns, url);
            if (last.Length > 0)
            {
                using var doc = JsonDocument.Parse(last);
                if (condition(doc.RootElement))
                {
                    return doc.RootElement.Clone();
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"never: {what}; last status: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }

        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            await TestProcess.RunAsync(("ip", []), ["netns", "del", ns], TimeSpan.FromSeconds(10));
        }

        _dir.Dispose();
    }

    private static Task IpCmd(params string[] args) => Run(["ip", .. args]);

    private static async Task Run(params string[] command)
    {
        var (code, _, stderr) = await TestProcess.RunAsync((command[0], []), command[1..], TimeSpan.FromSeconds(20));
        if (code != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed ({code}): {stderr}");
        }
    }
}
