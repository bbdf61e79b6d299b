using Microsoft.Extensions.Logging;
using HaWitness.Core.Configuration;

namespace HaWitness.Fencing.Targets.Lio;

/// <summary>
/// The LIO fence, shared by the targetcli and configfs variants: delete the initiator's node ACL
/// in every TPG (the kernel shuts its sessions down at once), save, then re-read and verify that no
/// ACL and no session of it remains. A TPG with <c>generate_node_acls=1</c> admits any initiator,
/// so it is refused, never managed.
/// </summary>
internal abstract partial class LioDriver : ITargetDriver
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    protected LioDriver(CommandRunner run, TimeProvider time, ILogger logger)
    {
        Run = run;
        _time = time;
        _logger = logger;
    }

    public abstract string Kind { get; }

    public string Destination => Run.Destination;

    /// <summary>Re-reads while a session is still being shut down.</summary>
    public int SettleAttempts { get; init; } = 10;

    protected CommandRunner Run { get; }

    public async Task<TargetInventory> ListAsync(CancellationToken cancellationToken)
    {
        var state = await ReadAsync(null, cancellationToken).ConfigureAwait(false);
        var targets = state.Tpgs.Select(t => new TargetInfo(t.Target, t.Tpg, t.Luns, t.Acls, UnsafeReason(t))).ToList();
        return new TargetInventory(targets, state.Sessions);
    }

    public async Task<DriverReport> GrantAsync(string initiator, CancellationToken cancellationToken)
    {
        Require(initiator);
        var report = new DriverReport();
        var before = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
        Describe(report, before, initiator, after: false);
        foreach (var tpg in Managed(before, report).Where(t => !t.Acls.Contains(initiator, StringComparer.Ordinal)))
        {
            await CreateAclAsync(tpg, initiator, report, cancellationToken).ConfigureAwait(false);
            report.Changed = true;
        }

        if (report.Changed)
        {
            report.Persistence = await SaveAsync(report, cancellationToken).ConfigureAwait(false);
        }

        var after = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
        Describe(report, after, initiator, after: true);
        foreach (var t in Managed(after, null).Where(t => !t.Acls.Contains(initiator, StringComparer.Ordinal)))
        {
            report.Problem($"{initiator} is still not in the ACLs of {t.Target}/{t.Tpg}");
        }

        report.Verified = report.Problems.Count == 0;
        return report;
    }

    public async Task<DriverReport> FenceAsync(string initiator, CancellationToken cancellationToken)
    {
        Require(initiator);
        var report = new DriverReport();
        var before = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
        Describe(report, before, initiator, after: false);
        foreach (var tpg in Managed(before, report).Where(t => t.Acls.Contains(initiator, StringComparer.Ordinal)))
        {
            await DeleteAclAsync(tpg, initiator, report, cancellationToken).ConfigureAwait(false);
            report.Changed = true;
        }

        if (report.Changed)
        {
            report.Persistence = await SaveAsync(report, cancellationToken).ConfigureAwait(false);
        }

        var after = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < SettleAttempts && Leftover(after, initiator); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
            after = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
        }

        Describe(report, after, initiator, after: true);
        foreach (var t in after.Tpgs.Where(t => t.Acls.Contains(initiator, StringComparer.Ordinal)))
        {
            report.Problem($"{initiator} still has a node ACL in {t.Target}/{t.Tpg} after the fence");
        }

        if (after.Sessions.Any(s => s.Initiator == initiator))
        {
            report.Problem($"{initiator} still has a live session after the fence");
        }

        report.Verified = report.Problems.Count == 0;
        return report;
    }

    protected abstract Task<LioState> ReadAsync(DriverReport? report, CancellationToken cancellationToken);

    protected abstract Task CreateAclAsync(LioTpg tpg, string initiator, DriverReport report, CancellationToken cancellationToken);

    protected abstract Task DeleteAclAsync(LioTpg tpg, string initiator, DriverReport report, CancellationToken cancellationToken);

    /// <summary>Makes the change survive a reboot; returns where (or why not).</summary>
    protected abstract Task<string> SaveAsync(DriverReport report, CancellationToken cancellationToken);

    /// <summary>Null when the TPG may be managed, else why not and how to fix it.</summary>
    protected abstract string? UnsafeReason(LioTpg tpg);

    protected static string? NameProblem(LioTpg tpg) =>
        IscsiName.Check(tpg.Target) is { } bad ? $"LIO target {IscsiName.Printable(tpg.Target)} has a name HaWitness cannot handle ({bad})" : null;

    private static bool Leftover(LioState state, string initiator) =>
        state.Tpgs.Any(t => t.Acls.Contains(initiator, StringComparer.Ordinal)) || state.Sessions.Any(s => s.Initiator == initiator);

    private List<LioTpg> Managed(LioState state, DriverReport? report)
    {
        var managed = new List<LioTpg>();
        foreach (var tpg in state.Tpgs)
        {
            if (UnsafeReason(tpg) is { } reason)
            {
                if (report is not null)
                {
                    report.Problem(reason);
                    report.HasUnsafeTarget = true;
                    LogUnsafe(_logger, tpg.Target, tpg.Tpg, reason);
                }
            }
            else
            {
                managed.Add(tpg);
            }
        }

        return managed;
    }

    private static void Require(string initiator)
    {
        if (IscsiName.Check(initiator) is { } bad)
        {
            throw TargetException.Of(TargetErrorKind.InvalidInput, $"initiator '{IscsiName.Printable(initiator)}' refused: {bad}");
        }
    }

    private static void Describe(DriverReport report, LioState state, string initiator, bool after)
    {
        var sessions = state.Sessions.Where(s => s.Initiator == initiator).ToList();
        var granted = state.Tpgs.Where(t => t.Acls.Contains(initiator, StringComparer.Ordinal)).Select(t => t.Target + "/" + t.Tpg).ToList();
        if (after)
        {
            report.SessionsAfter = sessions;
            report.GrantedAfter = granted;
        }
        else
        {
            report.SessionsBefore = sessions;
            report.GrantedBefore = granted;
        }
    }

    [LoggerMessage(EventId = 3300, Level = LogLevel.Warning, Message = "LIO {Target}/{Tpg} is not managed: {Reason}")]
    private static partial void LogUnsafe(ILogger logger, string target, string tpg, string reason);
}
