using System.Globalization;
using HaWitness.Fencing.Ssh;
using Microsoft.Extensions.Logging;
using HaWitness.Core.Configuration;

namespace HaWitness.Fencing.Targets.Tgt;

/// <summary>Settings of the tgt driver.</summary>
/// <param name="ControlPort">tgtd's control port (<c>-C</c>); 0 is tgtd's default and is not passed.</param>
/// <param name="ConfDirectory">Where <c>hawitness.conf</c> is written; null = do not persist.</param>
/// <param name="Sudo">Run through <c>sudo -n</c>.</param>
/// <param name="SettleAttempts">Re-reads while a dropped session is still listed before giving up.</param>
/// <param name="SettleDelay">Pause between those re-reads.</param>
public sealed record TgtSettings(int ControlPort = 0, string? ConfDirectory = "/etc/tgt/conf.d", bool Sudo = false, int SettleAttempts = 10, TimeSpan? SettleDelay = null);

/// <summary>
/// Drives tgt with <c>tgtadm</c> over SSH. Fence order, as seen on tgt: unbind the initiator
/// first (no new login), then delete each of its connections (the live sessions), then re-read:
/// unbind alone leaves a live session writing; deleting alone lets it log straight back in.
/// </summary>
internal sealed partial class TgtDriver : ITargetDriver
{
    private readonly CommandRunner _run;
    private readonly TgtSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TgtDriver(IRemoteShell shell, TgtSettings settings, TimeProvider time, ILogger logger)
    {
        _run = new CommandRunner(shell, settings.Sudo);
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    public string Kind => "tgt";

    public string Destination => _run.Destination;

    public async Task<TargetInventory> ListAsync(CancellationToken cancellationToken)
    {
        var targets = await ReadAsync(null, cancellationToken).ConfigureAwait(false);
        return ToInventory(targets);
    }

    public async Task<DriverReport> GrantAsync(string initiator, CancellationToken cancellationToken)
    {
        Require(initiator);
        var report = new DriverReport();
        var before = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
        Describe(report, before, initiator, after: false);
        var managed = Managed(before, report);
        foreach (var target in managed.Where(t => !t.Acls.Contains(initiator, StringComparer.Ordinal)))
        {
            await _run.RunAsync(Adm("--op", "bind", "--mode", "target", "--tid", Tid(target), "--initiator-name", initiator), report, cancellationToken,
                r => r.StdErr.Contains("already exists", StringComparison.Ordinal) ? "already bound" : null).ConfigureAwait(false);
            report.Changed = true;
        }

        // Persist the intended ACLs while re-reading: one round trip less, and the file never
        // admits more than intended (the re-read below decides whether it worked).
        var persisting = PersistAsync(WithAcl(managed, initiator, present: true), report, cancellationToken);
        var after = await AlongsideAsync(persisting, () => ReadAsync(report, cancellationToken)).ConfigureAwait(false);
        Describe(report, after, initiator, after: true);
        var missing = Managed(after, null).Where(t => !t.Acls.Contains(initiator, StringComparer.Ordinal)).ToList();
        foreach (var t in missing)
        {
            report.Problem($"{initiator} is still not in the ACL of {t.Name} (tid {t.Tid}) after bind");
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
        var managed = Managed(before, report);

        // 1. Revoke: no new login of this initiator from here on.
        var unbound = new List<TgtTarget>();
        foreach (var target in managed.Where(t => t.Acls.Contains(initiator, StringComparer.Ordinal)))
        {
            await _run.RunAsync(Adm("--op", "unbind", "--mode", "target", "--tid", Tid(target), "--initiator-name", initiator), report, cancellationToken,
                r => r.StdErr.Contains("does not exist", StringComparison.Ordinal) ? "already unbound" : null).ConfigureAwait(false);
            unbound.Add(target);
            report.Changed = true;
        }

        // 2. Drop live sessions: read the connections after the unbind, so a login that raced the
        //    unbind is seen too. Only targets that admitted the initiator can hold one.
        foreach (var target in managed.Where(t => unbound.Contains(t) || t.Nexuses.Any(n => n.Initiator == initiator)))
        {
            var conns = await ConnectionsAsync(target.Tid, report, cancellationToken).ConfigureAwait(false);
            foreach (var c in conns.Where(c => c.Initiator == initiator))
            {
                await _run.RunAsync(
                    Adm("--op", "delete", "--mode", "conn", "--tid", Tid(target), "--sid", c.Sid.ToString(CultureInfo.InvariantCulture), "--cid", c.Cid.ToString(CultureInfo.InvariantCulture)),
                    report, cancellationToken,
                    r => r.StdErr.Contains("can't find", StringComparison.Ordinal) ? "session already gone" : null).ConfigureAwait(false);
                report.Changed = true;
            }
        }

        // 3. Verify on a fresh read; a session being torn down may be listed for a moment. The
        //    intended ACLs (this initiator in none) are persisted meanwhile.
        var persisting = PersistAsync(WithAcl(managed, initiator, present: false), report, cancellationToken);
        var tids = managed.Select(t => t.Tid).ToHashSet();
        var after = await AlongsideAsync(persisting, async () =>
        {
            var read = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < _settings.SettleAttempts && Leftovers(read, initiator, tids).Any(); i++)
            {
                await Task.Delay(_settings.SettleDelay ?? TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
                read = await ReadAsync(report, cancellationToken).ConfigureAwait(false);
            }

            return read;
        }).ConfigureAwait(false);

        Describe(report, after, initiator, after: true);
        foreach (var t in Leftovers(after, initiator, tids))
        {
            report.Problem($"{initiator} still has access to {t.Name} (tid {t.Tid}) after the fence: " +
                (t.Acls.Contains(initiator, StringComparer.Ordinal) ? "still in its ACL" : "a session is still listed"));
        }

        report.Verified = report.Problems.Count == 0;
        if (report.Verified)
        {
            LogFenced(_logger, initiator, Destination, report.SessionsBefore.Count);
        }

        return report;
    }

    // Leftovers on managed targets only: an unsafe target is already a problem of its own.
    private static IEnumerable<TgtTarget> Leftovers(IReadOnlyList<TgtTarget> targets, string initiator, HashSet<int> managed) =>
        targets.Where(t => managed.Contains(t.Tid) && (t.Acls.Contains(initiator, StringComparer.Ordinal) || t.Nexuses.Any(n => n.Initiator == initiator)));

    /// <summary>
    /// Runs <paramref name="work"/> while <paramref name="background"/> runs, and waits for both.
    /// A failure of either propagates (work's first); neither is left unobserved.
    /// </summary>
    private static async Task<T> AlongsideAsync<T>(Task background, Func<Task<T>> work)
    {
        T result;
        try
        {
            result = await work().ConfigureAwait(false);
        }
        catch
        {
            try
            {
                await background.ConfigureAwait(false);
            }
            catch (TargetException)
            {
                // The work's failure is the one reported.
            }

            throw;
        }

        await background.ConfigureAwait(false);
        return result;
    }

    private List<TgtTarget> Managed(IReadOnlyList<TgtTarget> targets, DriverReport? report)
    {
        var managed = new List<TgtTarget>();
        foreach (var t in targets)
        {
            if (TgtAcl.UnsafeReason(t, _settings.ControlPort) is { } reason)
            {
                if (report is not null)
                {
                    report.Problem(reason);
                    report.HasUnsafeTarget = true;
                    LogUnsafe(_logger, t.Name, reason);
                }
            }
            else
            {
                managed.Add(t);
            }
        }

        return managed;
    }

    private static List<TgtTarget> WithAcl(IEnumerable<TgtTarget> targets, string initiator, bool present) =>
        targets.Select(t => t with
        {
            Acls = present
                ? [.. t.Acls.Where(a => a != initiator), initiator]
                : [.. t.Acls.Where(a => a != initiator)],
        }).ToList();

    private async Task PersistAsync(IReadOnlyList<TgtTarget> state, DriverReport report, CancellationToken cancellationToken)
    {
        if (_settings.ConfDirectory is not { Length: > 0 } dir)
        {
            report.Persistence = "not persisted (no TgtConfDirectory configured): a restart of tgtd may re-open the host";
            return;
        }

        string content = TgtPersistence.Render(Managed(state, null));
        try
        {
            string file = dir.TrimEnd('/') + "/" + TgtPersistence.FileName;
            string display = string.Create(CultureInfo.InvariantCulture, $"write {file} ({content.Length} bytes: the name ACLs of the managed targets)");
            await _run.RunAsync(TgtPersistence.WriteCommand(dir, content), report, cancellationToken, display: display).ConfigureAwait(false);
            report.Persistence = file;
        }
        catch (TargetException ex) when (ex.Error.Kind == TargetErrorKind.NonZeroExit)
        {
            report.Persistence = "FAILED: " + ex.Message;
            report.Problem("could not persist the ACLs, so a restart of tgtd could re-open the host: " + ex.Message);
        }
    }

    private async Task<IReadOnlyList<TgtTarget>> ReadAsync(DriverReport? report, CancellationToken cancellationToken)
    {
        var result = await _run.RunAsync(Adm("--op", "show", "--mode", "target"), report, cancellationToken).ConfigureAwait(false);
        return TgtadmParser.ParseTargets(result.StdOut);
    }

    private async Task<IReadOnlyList<TgtConnection>> ConnectionsAsync(int tid, DriverReport report, CancellationToken cancellationToken)
    {
        var result = await _run.RunAsync(Adm("--op", "show", "--mode", "conn", "--tid", tid.ToString(CultureInfo.InvariantCulture)), report, cancellationToken)
            .ConfigureAwait(false);
        return TgtadmParser.ParseConnections(result.StdOut);
    }

    private string[] Adm(params string[] args)
    {
        var argv = new List<string> { "tgtadm" };
        if (_settings.ControlPort != 0)
        {
            argv.Add("-C");
            argv.Add(_settings.ControlPort.ToString(CultureInfo.InvariantCulture));
        }

        argv.Add("--lld");
        argv.Add("iscsi");
        argv.AddRange(args);
        return [.. argv];
    }

    private static string Tid(TgtTarget t) => t.Tid.ToString(CultureInfo.InvariantCulture);

    private static void Require(string initiator)
    {
        if (IscsiName.Check(initiator) is { } bad)
        {
            throw TargetException.Of(TargetErrorKind.InvalidInput, $"initiator '{IscsiName.Printable(initiator)}' refused: {bad}");
        }
    }

    private void Describe(DriverReport report, IReadOnlyList<TgtTarget> targets, string initiator, bool after)
    {
        var sessions = ToInventory(targets).SessionsOf(initiator);
        var granted = targets.Where(t => t.Acls.Contains(initiator, StringComparer.Ordinal)).Select(t => t.Name).ToList();
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

    private TargetInventory ToInventory(IReadOnlyList<TgtTarget> targets)
    {
        var infos = targets.Select(t => new TargetInfo(
            t.Name,
            "tid " + t.Tid.ToString(CultureInfo.InvariantCulture),
            t.Luns.Where(l => l.Number != 0 || l.Backing is not null).ToList(),
            TgtAcl.Names(t),
            TgtAcl.UnsafeReason(t, _settings.ControlPort))).ToList();
        var sessions = targets.SelectMany(t => t.Nexuses.SelectMany(n => n.Connections.Select(c => new SessionInfo(
            t.Name, n.Initiator, n.Id.ToString(CultureInfo.InvariantCulture), c.Cid.ToString(CultureInfo.InvariantCulture), c.Address)))).ToList();
        return new TargetInventory(infos, sessions);
    }

    [LoggerMessage(EventId = 3200, Level = LogLevel.Warning, Message = "tgt target {Target} is not managed: {Reason}")]
    private static partial void LogUnsafe(ILogger logger, string target, string reason);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "tgt: {Initiator} fenced on {Destination} ({Sessions} live session(s) dropped), verified")]
    private static partial void LogFenced(ILogger logger, string initiator, string destination, int sessions);
}
