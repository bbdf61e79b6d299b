using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using HaWitness.Agent.Runtime;
using HaWitness.Agent.Runtime.Isolation;
using HaWitness.Agent.Runtime.Seams;
using HaWitness.Cluster.Raft;
using HaWitness.Cluster.Security;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Hypervisors;
using HaWitness.Hypervisors.Sim;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Agent.Tests.Isolation;

/// <summary>
/// The self-fence against the simulated hypervisor (its fault injection) and a real one-node Raft
/// group holding the committed state: a fence whose listing or power-off fails, or does not answer
/// within the power-off bound, is a failed fence that escalates — never "0 VMs off".
/// </summary>
public sealed class SelfFencerTests : IAsyncLifetime
{
    private const int BoundMs = 400;
    private readonly TempDir _dir = new();
    private RaftNode? _node;
    private SimHypervisor? _sim;
    private JournalStore? _journal;
    private AgentState? _state;
    private SelfFencer? _fencer;
    private readonly List<string> _escalations = [];

    public async Task InitializeAsync()
    {
        using var ca = ClusterCa.LoadOrCreate(_dir.Path);
        string idDir = _dir.File("identity");
        Directory.CreateDirectory(idDir);
        using var identity = MemberIdentity.LoadOrCreate(idDir);
        var ep = new IPEndPoint(IPAddress.Loopback, FreePort.Tcp());
        using (var cert = ca.Issue(identity.CreateSigningRequestPem("appliance"), "appliance", ep, MemberRole.Appliance))
        {
            identity.SaveCertificates(cert.ExportCertificatePem(), ca.CertificatePem);
        }

        _node = await RaftNode.StartAsync(new RaftNodeOptions
        {
            Directory = _dir.File("raft"), EndPoint = ep, LeaderEligible = true, ColdStart = true,
            Certificate = identity.Certificate(), ClusterCa = identity.ClusterCa(),
        }, NullLoggerFactory.Instance, null, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!_node.IsLeader)
        {
            Assert.True(DateTime.UtcNow < deadline, "the one-node group never led");
            await Task.Delay(20);
        }

        await _node.ProposeAsync(new RegisterHost("host-a", "127.0.0.1:7001", "127.0.0.1:7002", "iqn.2026-12.lab:host-a", "sim", 4, 4096, "g1", "id-a", BoundMs), CancellationToken.None);
        await _node.ProposeAsync(new AddVm("host-a-vm01", "host-a", true, true, VmPriority.High, 1, 256, null), CancellationToken.None);
        await _node.ProposeAsync(new AddVm("host-a-vm02", "host-a", true, false, VmPriority.Low, 1, 256, null), CancellationToken.None); // not HA: kept

        _sim = new SimHypervisor(new HypervisorOptions { Kind = "sim", HostName = "host-a", CallTimeout = TimeSpan.FromSeconds(10), Sim = { Vms = 2 } },
            TimeProvider.System, NullLogger<SimHypervisor>.Instance);
        foreach (var vm in (await _sim.ListAsync(CancellationToken.None)).Value)
        {
            Assert.True((await _sim.PowerOnAsync(vm.Vm, CancellationToken.None)).IsOk);
        }

        _journal = JournalStore.Open(_dir.File("journal.db"));
        _state = new AgentState(new AgentOptions { Name = "host-a", PowerOffBoundMs = BoundMs, IsolationResponse = "power-off" }, TimeProvider.System);
        _fencer = new SelfFencer(_state, new RaftReplica(_node), _sim, _journal, NullLogger<SelfFencer>.Instance) { Failed = _escalations.Add };
    }

    public async Task DisposeAsync()
    {
        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        _journal?.Dispose();
        _dir.Dispose();
    }

    private JsonObject LastSelfFence(out string outcome)
    {
        var row = _journal!.Decisions(new DecisionQuery(Kind: "SelfFence", Limit: 1)).Single();
        outcome = row.Outcome.ToString();
        return JsonNode.Parse(row.EvidenceJson)!.AsObject();
    }

    [Fact]
    public async Task PowerOff_TheHaVmGoesOff_TheOtherStays_AndNothingEscalates()
    {
        await _fencer!.FenceAsync("test", [], CancellationToken.None);

        var evidence = LastSelfFence(out string outcome);
        Assert.Equal("Succeeded", outcome);
        Assert.Equal("host-a-vm01", Assert.Single(evidence["poweredOff"]!.AsArray())!.GetValue<string>());
        Assert.Empty(_escalations);
        Assert.Contains(_sim!.Vms, v => v.Name == "host-a-vm02" && v.State == VmPowerState.Running);
    }

    [Fact]
    public async Task PowerOffThatHangs_IsCutAtTheBound_AFailedFence_ThatEscalates()
    {
        _sim!.InjectHang(SimOperation.PowerOff);
        var watch = Stopwatch.StartNew();

        await _fencer!.FenceAsync("test", [], CancellationToken.None);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the fence waited {watch.Elapsed.TotalSeconds:F1} s: the driver's 10 s call timeout, not the {BoundMs} ms bound");
        var evidence = LastSelfFence(out string outcome);
        Assert.Equal("Failed", outcome);
        Assert.Contains($"not done within the {BoundMs} ms power-off bound", evidence["failed"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Single(_escalations);
    }

    [Fact]
    public async Task ListingThatFails_IsAFailedFence_NeverZeroVmsOff()
    {
        _sim!.InjectFailure(SimOperation.List, HypervisorErrorKind.Failed);

        await _fencer!.FenceAsync("test", [], CancellationToken.None);

        var evidence = LastSelfFence(out string outcome);
        Assert.Equal("Failed", outcome);
        Assert.Contains("(listing the VMs)", evidence["failed"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(evidence["poweredOff"]!.AsArray());
        Assert.Single(_escalations);
    }
}
