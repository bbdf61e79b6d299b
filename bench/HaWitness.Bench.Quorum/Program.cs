// Commit latency of the HaWitness Raft group: one appliance member and N standby agent members
// on loopback, mutual TLS, real WAL on disk. Proposes commands one at a time (as the leader does)
// and prints percentiles. Usage: dotnet run -c Release --project bench/HaWitness.Bench.Quorum -- [agents] [commits]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using Microsoft.Extensions.Logging.Abstractions;

int agents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8;
int commits = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
string root = Path.Combine(Path.GetTempPath(), "hawitness-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
using var ca = ClusterCa.LoadOrCreate(root);
var nodes = new List<RaftNode>();
var identities = new Dictionary<RaftNode, string>();
try
{
    var w = await Start("w", true);
    while (!w.IsLeader)
    {
        await Task.Delay(20);
    }

    for (int i = 0; i < agents; i++)
    {
        var a = await Start("a" + i, false);
        if (!await w.AddMemberAsync((IPEndPoint)a.LocalEndPoint, identities[a], CancellationToken.None))
        {
            throw new InvalidOperationException("could not add agent " + i);
        }

        await a.Readiness.WaitAsync(TimeSpan.FromSeconds(30));
    }

    await w.ProposeAsync(new RegisterHost("h", "127.0.0.1:1", "127.0.0.1:2", "iqn.2026-11.lab:h", "sim", 1, 1, "g1", "id", 1000), CancellationToken.None);
    for (int i = 0; i < 50; i++)
    {
        await w.ProposeAsync(new SetMaintenance("h", i % 2 == 0), CancellationToken.None); // warm-up
    }

    var ms = new double[commits];
    for (int i = 0; i < commits; i++)
    {
        long t = Stopwatch.GetTimestamp();
        await w.ProposeAsync(new SetMaintenance("h", i % 2 == 0), CancellationToken.None);
        ms[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    }

    Array.Sort(ms);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"commit latency, 1 appliance + {agents} standby agents, loopback, mutual TLS, {commits} commits: p50 {P(0.50):F2} ms, p90 {P(0.90):F2} ms, p99 {P(0.99):F2} ms, max {ms[^1]:F2} ms"));

    double P(double p) => ms[Math.Min(ms.Length - 1, (int)Math.Ceiling(p * ms.Length) - 1)];
}
finally
{
    foreach (var n in nodes)
    {
        await n.DisposeAsync();
    }

    Directory.Delete(root, recursive: true);
}

async Task<RaftNode> Start(string name, bool appliance)
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    var ep = (IPEndPoint)l.LocalEndpoint;
    l.Stop();
    string dir = Path.Combine(root, name);
    Directory.CreateDirectory(dir);
    using var identity = MemberIdentity.LoadOrCreate(dir);
    using var cert = ca.Issue(identity.CreateSigningRequestPem(name), name, ep, appliance ? MemberRole.Appliance : MemberRole.Host);
    identity.SaveCertificates(cert.ExportCertificatePem(), ca.CertificatePem);
    var node = await RaftNode.StartAsync(new RaftNodeOptions
    {
        Directory = Path.Combine(dir, "raft"),
        EndPoint = ep,
        LeaderEligible = appliance,
        ColdStart = appliance,
        Certificate = identity.Certificate(),
        ClusterCa = identity.ClusterCa(),
    }, NullLoggerFactory.Instance, null, CancellationToken.None);
    nodes.Add(node);
    identities[node] = Pem.Identity(cert);
    return node;
}
