using System.Text.Json.Nodes;
using HaWitness.Core.Status;

namespace HaWitness.Operator.Api;

/// <summary>One host for <c>GET /api/v1/hosts</c> and <c>/api/v1/hosts/{name}</c>: its status, spare capacity and VMs.</summary>
/// <param name="Name">Registered name.</param>
/// <param name="State"><c>online</c>, <c>suspect</c>, <c>failed</c>, <c>fenced</c>, <c>maintenance</c> or <c>offline</c> (as in <c>/api/v1/status</c>).</param>
/// <param name="LeaseAgeMs">Milliseconds since its last acknowledged heartbeat, or null if never heard.</param>
/// <param name="Fenced">Cut off the storage (or declared fenced by lease).</param>
/// <param name="Maintenance">In planned maintenance.</param>
/// <param name="Spare">A contingency host: it takes VMs only when a failover restarts them (and first); VMs on it stay until an operator moves them.</param>
/// <param name="Generation">The agent's generation id.</param>
/// <param name="Voter">In the Raft voter set.</param>
/// <param name="Hypervisor"><c>sim</c>, <c>vix</c> or <c>libvirt</c>.</param>
/// <param name="InitiatorIqn">The iSCSI initiator the storage fence revokes.</param>
/// <param name="Cpus">CPU capacity.</param>
/// <param name="MemoryMb">Memory capacity in MiB.</param>
/// <param name="FreeCpus">CPUs not taken by its VMs.</param>
/// <param name="FreeMemoryMb">Memory not taken by its VMs, in MiB.</param>
/// <param name="Vms">Names of the VMs it owns.</param>
public sealed record HostView(
    string Name,
    string State,
    long? LeaseAgeMs,
    bool Fenced,
    bool Maintenance,
    bool Spare,
    string? Generation,
    bool Voter,
    string? Hypervisor,
    string? InitiatorIqn,
    int Cpus,
    long MemoryMb,
    int FreeCpus,
    long FreeMemoryMb,
    IReadOnlyList<string> Vms);

/// <summary>The body of <c>GET /api/v1/hosts</c>.</summary>
public sealed record HostsReport(IReadOnlyList<HostView> Hosts);

/// <summary>The body of <c>GET /api/v1/vms</c>; each VM as in <c>/api/v1/status</c>.</summary>
public sealed record VmsReport(IReadOnlyList<VmStatus> Vms);

/// <summary>One journaled decision as the API shows it.</summary>
/// <param name="Id">Row id; larger is later.</param>
/// <param name="Time">When it was journaled (UTC).</param>
/// <param name="Kind">What was decided (<c>HostFailed</c>, <c>FenceHost</c>, <c>PlaceVm</c> ...).</param>
/// <param name="Subject"><c>host:NAME</c>, <c>vm:NAME</c>, <c>cluster</c> ...</param>
/// <param name="Outcome"><c>Decided</c>, <c>Succeeded</c>, <c>Failed</c>, <c>Refused</c> or <c>NoOp</c>.</param>
/// <param name="Summary">One sentence: the evidence's <c>summary</c>, or the kind.</param>
/// <param name="Evidence">The evidence object.</param>
public sealed record JournalEntry(long Id, DateTimeOffset Time, string Kind, string Subject, string Outcome, string Summary, JsonObject? Evidence);

/// <summary>The body of <c>GET /api/v1/journal</c>: newest first (oldest first with <c>after</c>).</summary>
/// <param name="Decisions">This page.</param>
/// <param name="Next">The cursor of the next (older) page, or null at the end; with <c>after</c>, the id to follow from.</param>
public sealed record JournalPage(IReadOnlyList<JournalEntry> Decisions, string? Next);

/// <summary>An alarm that is active now (its condition still holds).</summary>
/// <param name="Kind"><c>QuorumLost</c>, <c>HostFailed</c>, <c>FencePending</c>, <c>HostSilent</c>, <c>VmNotRunning</c>, <c>LeaseOnly</c>, <c>NoFailureTolerance</c>.</param>
/// <param name="Severity"><c>critical</c> (red) or <c>warning</c> (amber).</param>
/// <param name="Subject">What it is about (<c>cluster</c>, <c>host:a</c>, <c>vm:web</c>).</param>
/// <param name="Summary">One sentence for people.</param>
public sealed record ActiveAlarm(string Kind, string Severity, string Subject, string Summary);

/// <summary>The body of <c>GET /api/v1/alarms</c>.</summary>
public sealed record AlarmsReport(IReadOnlyList<ActiveAlarm> Alarms);

/// <summary>Body of <c>POST /api/v1/hosts/{name}/maintenance</c>.</summary>
/// <param name="Enter">true to enter maintenance, false to leave it.</param>
/// <param name="Force">Enter even when some running VM has nowhere to go (it stays).</param>
public sealed record MaintenanceRequest(bool? Enter, bool Force = false);

/// <summary>Body of <c>POST /api/v1/hosts/{name}/spare</c>.</summary>
/// <param name="Spare">true to make the host a spare (contingency host), false to make it a normal host again.</param>
public sealed record SpareRequest(bool? Spare);

/// <summary>Body of <c>POST /api/v1/hosts/{name}/readmit</c>.</summary>
/// <param name="Reason">Why the operator vouches that the host no longer writes stale data (journaled; 1..500 characters).</param>
public sealed record ReadmitRequest(string? Reason);

/// <summary>Body of <c>POST /api/v1/vms/{name}/migrate</c>.</summary>
public sealed record MigrateRequest(string? Host);

/// <summary>Body of <c>POST /api/v1/vms/{name}/ha</c>.</summary>
public sealed record HaRequest(bool? On);

/// <summary>Body of <c>POST /api/v1/vms/{name}/priority</c>: <c>high</c>, <c>medium</c>, <c>low</c> or <c>disabled</c>.</summary>
public sealed record PriorityRequest(string? Priority);
