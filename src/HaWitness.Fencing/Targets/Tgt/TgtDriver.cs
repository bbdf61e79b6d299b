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
/// A fence is two SSH invocations (<see cref="TgtScripts"/>): one script that reads, checks the
/// read against the plan, unbinds, deletes and persists; then an independent verifying re-read.
/// Every step of both is checked here against the listings they print.
/// </summary>
internal sealed partial class TgtDriver : ITargetDriver
{
    /// <summary>Fence scripts per attempt while the ACLs keep changing under the plan.</summary>
    private const int MaxPlans = 3;

    private readonly CommandRunner _run;
    private readonly TgtSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // The last listing read, whatever read it: the next fence's plan (checked against a fresh read
    // by the fence script before anything is touched).
    private IReadOnlyList<TgtTarget>? _known;

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

        // 1. Act, in ONE remote script: read; if the targets' ACLs are still those the plan was made
        //    from, unbind on every target, then (read after the unbinds) delete each connection of
        //    the initiator, then write the ACL file. A stale plan (or none yet) touches nothing and
        //    is made again from the script's own read.
        var basis = Volatile.Read(ref _known);
        FenceRun? run = null;
        for (int i = 0; i < MaxPlans && run is not { Stale: false }; i++)
        {
            run = await RunFenceScriptAsync(Plan(basis, initiator), initiator, report, cancellationToken).ConfigureAwait(false);
            basis = run.Before;
        }

        if (run!.Stale)
        {
            throw TargetException.Of(TargetErrorKind.NotVerified,
                $"{Destination}: the targets' ACLs changed between each of {MaxPlans} reads and the fence script's own read; nothing was touched");
        }

        var before = run.Before;
        Describe(report, before, initiator, after: false);
        var managed = Managed(before, report);
        report.Changed = run.Changed;

        // 2. Verify, in a second, independent invocation: a fresh read of the target (re-read while
        //    a dropped session is still listed). Only this listing decides.
        var tids = managed.Select(t => t.Tid).ToHashSet();
        var after = await VerifyAsync(initiator, tids, report, cancellationToken).ConfigureAwait(false);
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

    /// <summary>What the fence script is told: the ACL map its read must match, and what to do then.</summary>
    private sealed record FencePlan(string Map, IReadOnlyList<int> Unbind, IReadOnlyList<int> Managed, string Content);

    /// <summary>What one fence script did: its read, whether the plan was stale, whether it changed anything.</summary>
    private sealed record FenceRun(IReadOnlyList<TgtTarget> Before, bool Stale, bool Changed);

    /// <summary>The plan from a listing; none (read only) before the first listing.</summary>
    private FencePlan Plan(IReadOnlyList<TgtTarget>? basis, string initiator)
    {
        if (basis is null)
        {
            return new FencePlan(string.Empty, [], [], string.Empty);
        }

        var managed = Managed(basis, null);
        return new FencePlan(
            TgtScripts.Map(basis),
            managed.Where(t => t.Acls.Contains(initiator, StringComparer.Ordinal)).Select(t => t.Tid).ToList(),
            managed.Select(t => t.Tid).ToList(),
            TgtPersistence.Render(Managed(WithAcl(managed, initiator, present: false), null)));
    }

    private string? AclFile => _settings.ConfDirectory is { Length: > 0 } dir ? dir.TrimEnd('/') + "/" + TgtPersistence.FileName : null;

    private string ControlPort => _settings.ControlPort.ToString(CultureInfo.InvariantCulture);

    private async Task<FenceRun> RunFenceScriptAsync(FencePlan plan, string initiator, DriverReport report, CancellationToken cancellationToken)
    {
        string nonce = ScriptOutput.NewNonce();
        string file = plan.Map.Length == 0 ? string.Empty : AclFile ?? string.Empty;
        string unbind = TgtScripts.Tids(plan.Unbind);
        string managed = TgtScripts.Tids(plan.Managed);
        string[] argv = ["sh", "-c", TgtScripts.Fence, TgtScripts.FenceName, nonce, ControlPort, initiator, plan.Map, unbind, managed, file, plan.Content];
        string display = ShellQuote.Join(["sh", "-c", "<fence script>", TgtScripts.FenceName, nonce, ControlPort, initiator,
            plan.Map.Length == 0 ? "<no plan yet: read only>" : MapSummary(plan.Map),
            unbind, managed, file,
            string.Create(CultureInfo.InvariantCulture, $"<{plan.Content.Length} bytes: the name ACLs of the managed targets>")]);
        var result = await _run.RunAsync(argv, report, cancellationToken, display: display).ConfigureAwait(false);
        int ssh = report.Invocations;
        var blocks = ScriptOutput.Parse(result.StdOut, nonce, TgtScripts.FenceName);
        string status = blocks[^1].Fields[0];

        var read = blocks[0];
        int readRc = Step(read, 0, "read");
        var readCommand = Adm("--op", "show", "--mode", "target");
        Record(report, ssh, readCommand, readRc, readRc == 0 ? null : FirstLine(result.StdErr));
        if (readRc != 0)
        {
            throw Failed(readCommand, readRc, FirstLine(result.StdErr));
        }

        var before = TgtadmParser.ParseTargets(read.Body);
        Volatile.Write(ref _known, before);
        string map = TgtScripts.Map(before);
        if (status == "stale")
        {
            string seen = blocks.Count == 3 && blocks[1].Kind == "stale" ? blocks[1].Body : throw ScriptOutput.Unparsable(TgtScripts.FenceName, "a stale answer without the map it saw");
            if (seen != map)
            {
                throw ScriptOutput.Unparsable(TgtScripts.FenceName,
                    $"the target host's awk reads the ACLs differently from HaWitness's parser ({FirstDifference(seen, map)})");
            }

            return new FenceRun(before, Stale: true, Changed: false);
        }

        if (status is not ("done" or "failed"))
        {
            throw ScriptOutput.Unparsable(TgtScripts.FenceName, $"unknown end status '{status}'");
        }

        if (map != plan.Map)
        {
            // The script found its map equal to the plan's, this parser does not: never trust that.
            throw ScriptOutput.Unparsable(TgtScripts.FenceName,
                $"the script acted on a listing that HaWitness's parser reads differently ({FirstDifference(plan.Map, map)})");
        }

        // What ran, checked against what had to run (the listing the script acted on is `before`).
        bool changed = false;
        var unbound = new List<int>();
        var scanned = new HashSet<int>();
        var owed = new HashSet<(int Tid, long Sid, long Cid)>();
        var deleted = new HashSet<(int Tid, long Sid, long Cid)>();
        bool persisted = false;
        (string[] Command, int Rc, string? Error)? failure = null;
        int phase = 0;
        foreach (var b in blocks.Skip(1).Take(blocks.Count - 2))
        {
            switch (b.Kind)
            {
                case "unbind" when phase == 0:
                {
                    int tid = Tid(b, 0);
                    int rc = Step(b, 1, "unbind");
                    var command = Adm("--op", "unbind", "--mode", "target", "--tid", Tid(tid), "--initiator-name", initiator);
                    string? note = rc == 0 ? null : b.Body.Contains("does not exist", StringComparison.Ordinal) ? "already unbound" : FirstLine(b.Body);
                    Record(report, ssh, command, rc, note);
                    failure = rc != 0 && note != "already unbound" ? (command, rc, note) : failure;
                    unbound.Add(tid);
                    changed = true;
                    break;
                }

                case "conns" when phase <= 1:
                {
                    phase = 1;
                    int tid = Tid(b, 0);
                    int rc = Step(b, 1, "conns");
                    var command = Adm("--op", "show", "--mode", "conn", "--tid", Tid(tid));
                    Record(report, ssh, command, rc, rc == 0 ? null : FirstLine(result.StdErr));
                    if (rc != 0)
                    {
                        failure = (command, rc, FirstLine(result.StdErr));
                        break;
                    }

                    scanned.Add(tid);
                    foreach (var c in TgtadmParser.ParseConnections(b.Body).Where(c => c.Initiator == initiator))
                    {
                        owed.Add((tid, c.Sid, c.Cid));
                    }

                    break;
                }

                case "delete" when phase == 1:
                {
                    int tid = Tid(b, 0);
                    long sid = TgtadmParser.Number(b.Fields.Count > 1 ? b.Fields[1] : string.Empty, 0);
                    long cid = TgtadmParser.Number(b.Fields.Count > 2 ? b.Fields[2] : string.Empty, 0);
                    int rc = Step(b, 3, "delete");
                    var command = Adm("--op", "delete", "--mode", "conn", "--tid", Tid(tid),
                        "--sid", sid.ToString(CultureInfo.InvariantCulture), "--cid", cid.ToString(CultureInfo.InvariantCulture));
                    string? note = rc == 0 ? null : b.Body.Contains("can't find", StringComparison.Ordinal) ? "session already gone" : FirstLine(b.Body);
                    Record(report, ssh, command, rc, note);
                    failure = rc != 0 && note != "session already gone" ? (command, rc, note) : failure;
                    deleted.Add((tid, sid, cid));
                    changed = true;
                    break;
                }

                case "persist" when phase <= 1:
                {
                    phase = 2;
                    int rc = Step(b, 0, "persist");
                    string display2 = string.Create(CultureInfo.InvariantCulture, $"write {file} ({plan.Content.Length} bytes: the name ACLs of the managed targets)");
                    report.AddStep(new CommandRecord(display2, rc, null, rc == 0 ? null : FirstLine(b.Body)), ssh);
                    persisted = rc == 0;
                    if (rc != 0)
                    {
                        string why = $"{Destination}: {display2} exited {rc}: {FirstLine(b.Body)}";
                        report.Persistence = "FAILED: " + why;
                        report.Problem("could not persist the ACLs, so a restart of tgtd could re-open the host: " + why);
                    }

                    break;
                }

                case "bad-argument":
                    failure = ([TgtScripts.FenceName], 2, "the script refused one of its arguments");
                    break;

                default:
                    throw ScriptOutput.Unparsable(TgtScripts.FenceName, $"a '{b.Kind}' step out of order or unknown");
            }
        }

        if (status == "failed")
        {
            var (command, rc, error) = failure ?? ([TgtScripts.FenceName], -1, "it stopped without saying why");
            throw Failed(command, rc, error);
        }

        if (failure is { } f)
        {
            throw ScriptOutput.Unparsable(TgtScripts.FenceName, $"it went on after '{ShellQuote.Join(f.Command)}' failed");
        }

        // The script must have done exactly what this plan and its own listings call for.
        if (!unbound.Order().SequenceEqual(plan.Unbind.Order()))
        {
            report.Problem($"the fence script unbound on tids [{TgtScripts.Tids(unbound)}], the plan said [{TgtScripts.Tids(plan.Unbind)}]");
        }

        var mustScan = plan.Unbind.Concat(before.Where(t => plan.Managed.Contains(t.Tid) && t.Nexuses.Any(n => n.Initiator == initiator)).Select(t => t.Tid));
        if (mustScan.Any(t => !scanned.Contains(t)))
        {
            report.Problem($"the fence script did not list the connections of every target the initiator could hold one on (listed [{TgtScripts.Tids(scanned)}])");
        }

        if (!owed.SetEquals(deleted))
        {
            report.Problem($"the fence script deleted {deleted.Count} connection(s) of {initiator}, its listings showed {owed.Count}");
        }

        if (AclFile is null)
        {
            report.Persistence = "not persisted (no TgtConfDirectory configured): a restart of tgtd may re-open the host";
        }
        else if (persisted)
        {
            report.Persistence = file;
        }
        else if (!report.Problems.Any(p => p.StartsWith("could not persist", StringComparison.Ordinal)))
        {
            report.Persistence = "FAILED: the fence script did not write " + file;
            report.Problem("could not persist the ACLs, so a restart of tgtd could re-open the host: the fence script did not write " + file);
        }

        return new FenceRun(before, Stale: false, changed);
    }

    private async Task<IReadOnlyList<TgtTarget>> VerifyAsync(string initiator, HashSet<int> managed, DriverReport report, CancellationToken cancellationToken)
    {
        string nonce = ScriptOutput.NewNonce();
        string tids = TgtScripts.Tids(managed.Order());
        string more = _settings.SettleAttempts.ToString(CultureInfo.InvariantCulture);
        string pause = (_settings.SettleDelay ?? TimeSpan.FromMilliseconds(50)).TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        string[] argv = ["sh", "-c", TgtScripts.Verify, TgtScripts.VerifyName, nonce, ControlPort, initiator, tids, more, pause];
        string display = ShellQuote.Join(["sh", "-c", "<verify script>", TgtScripts.VerifyName, nonce, ControlPort, initiator, tids, more, pause]);
        var result = await _run.RunAsync(argv, report, cancellationToken, display: display).ConfigureAwait(false);
        int ssh = report.Invocations;
        var blocks = ScriptOutput.Parse(result.StdOut, nonce, TgtScripts.VerifyName);
        var readCommand = Adm("--op", "show", "--mode", "target");
        string? listing = null;
        foreach (var b in blocks.Take(blocks.Count - 1))
        {
            switch (b.Kind)
            {
                case "read" when listing is null:
                    int rc = Step(b, 0, "read", TgtScripts.VerifyName);
                    Record(report, ssh, readCommand, rc, rc == 0 ? null : FirstLine(result.StdErr));
                    if (rc != 0)
                    {
                        throw Failed(readCommand, rc, FirstLine(result.StdErr));
                    }

                    break;
                case "listing" when listing is null:
                    listing = b.Body;
                    break;
                default:
                    throw ScriptOutput.Unparsable(TgtScripts.VerifyName, $"a '{b.Kind}' step out of order or unknown");
            }
        }

        if (blocks[^1].Fields[0] != "done" || listing is null)
        {
            throw ScriptOutput.Unparsable(TgtScripts.VerifyName, $"it ended '{blocks[^1].Fields[0]}' without a listing");
        }

        var after = TgtadmParser.ParseTargets(listing);
        Volatile.Write(ref _known, after);
        return after;
    }

    private static string MapSummary(string map)
    {
        var lines = map.Split('\n');
        return string.Create(CultureInfo.InvariantCulture,
            $"<ACL map: {lines.Count(l => l.StartsWith("T ", StringComparison.Ordinal))} target(s), {lines.Count(l => l.StartsWith("A ", StringComparison.Ordinal))} ACL entries>");
    }

    // A step has no time of its own (the scripts run no clock); its invocation's round trip is timed.
    private static void Record(DriverReport report, int ssh, string[] command, int rc, string? note) =>
        report.AddStep(new CommandRecord(ShellQuote.Join(command), rc, null, note), ssh);

    /// <summary>A step's exit code, its last field (at <paramref name="at"/>).</summary>
    private static int Step(ScriptBlock b, int at, string kind, string script = TgtScripts.FenceName)
    {
        if (b.Kind != kind || b.Fields.Count != at + 1 || !int.TryParse(b.Fields[at], NumberStyles.None, CultureInfo.InvariantCulture, out int rc))
        {
            throw ScriptOutput.Unparsable(script, $"expected a '{kind}' step, got '{b.Kind} {string.Join(' ', b.Fields)}'");
        }

        return rc;
    }

    private static int Tid(ScriptBlock b, int at) =>
        b.Fields.Count > at && int.TryParse(b.Fields[at], NumberStyles.None, CultureInfo.InvariantCulture, out int tid) && tid > 0
            ? tid
            : throw ScriptOutput.Unparsable(TgtScripts.FenceName, $"no target id in '{b.Kind} {string.Join(' ', b.Fields)}'");

    private TargetException Failed(string[] command, int rc, string? error) =>
        TargetException.Of(TargetErrorKind.NonZeroExit, $"{Destination}: '{ShellQuote.Join(command)}' exited {rc}: {error}");

    private static string? FirstLine(string text)
    {
        string line = text.Trim().Split('\n', 2)[0].Trim();
        return line.Length == 0 ? null : line.Length > 200 ? line[..200] + "..." : line;
    }

    private static string FirstDifference(string a, string b)
    {
        var x = a.Split('\n');
        var y = b.Split('\n');
        for (int i = 0; i < Math.Max(x.Length, y.Length); i++)
        {
            string l = i < x.Length ? x[i] : "(nothing)";
            string r = i < y.Length ? y[i] : "(nothing)";
            if (l != r)
            {
                return $"line {i + 1}: '{l}' vs '{r}'";
            }
        }

        return "same";
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
        var targets = TgtadmParser.ParseTargets(result.StdOut);
        Volatile.Write(ref _known, targets);
        return targets;
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

    private static string Tid(TgtTarget t) => Tid(t.Tid);

    private static string Tid(int tid) => tid.ToString(CultureInfo.InvariantCulture);

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
