using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Cluster.Grants;

/// <summary>
/// The one path by which a host's initiator is granted on the storage target: at a join, at a
/// re-admission (rule 4), and on the operator's word. Each try checks its preconditions against
/// the committed state, journals a <c>Decided</c> row before the target is touched, asks the
/// fencer, and counts the grant only when the target was re-read and shows it (an unverified
/// grant is a failed grant). A failed try is journaled <c>Failed</c> with the fencer's evidence
/// and raises a <c>GrantFailed</c> alarm; the next try comes after a doubling pause on the
/// monotonic clock (<see cref="GrantPolicy"/>).
/// </summary>
/// <remarks>
/// A join's grant never lands on a host that is failed or fenced: only a
/// <see cref="GrantPurpose.Readmission"/> request, carrying the caller's <see cref="Rule4Warrant"/>,
/// may grant such a host, and the path checks again that the host is failed and fenced and (unless
/// an operator vouched) registered with a generation other than the one that failed. The checks
/// run before every try, so a host that fails while its join grant is being retried is not granted.
/// </remarks>
public sealed partial class StorageGrants : IDisposable
{
    private readonly ICommandLog _log;
    private readonly IStorageFencer _fencer;
    private readonly Action<NewDecision> _journal;
    private readonly IGrantAlarms? _alarms;
    private readonly TimeProvider _time;
    private readonly Func<bool> _canAct;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Run> _running = new(StringComparer.Ordinal);

    /// <summary>Creates the path.</summary>
    /// <param name="log">The committed state the preconditions are checked against.</param>
    /// <param name="fencer">The storage target.</param>
    /// <param name="journal">Appends a decision durably (throws <see cref="JournalWriteException"/> when it cannot).</param>
    /// <param name="alarms">Where a failed try is alarmed; null raises none.</param>
    /// <param name="time">The clock every pause is measured on (monotonic).</param>
    /// <param name="policy">Pauses and bound; <see cref="GrantPolicy.Default"/> when null.</param>
    /// <param name="canAct">False when this appliance may not touch the target (not the leader): the try is refused.</param>
    /// <param name="logger">Logs.</param>
    public StorageGrants(ICommandLog log, IStorageFencer fencer, Action<NewDecision> journal, IGrantAlarms? alarms, TimeProvider time,
        GrantPolicy? policy = null, Func<bool>? canAct = null, ILogger? logger = null)
    {
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _fencer = fencer ?? throw new ArgumentNullException(nameof(fencer));
        _journal = journal ?? throw new ArgumentNullException(nameof(journal));
        _alarms = alarms;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Policy = policy ?? GrantPolicy.Default;
        _canAct = canAct ?? (static () => true);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The pauses and the bound.</summary>
    public GrantPolicy Policy { get; }

    /// <summary>False when no storage target is configured: there is nothing to grant.</summary>
    public bool IsConfigured => _fencer.IsConfigured;

    /// <summary>
    /// Starts granting in the background: a try now, then (while it fails) a try after each pause
    /// of <see cref="Policy"/>, up to <see cref="GrantPolicy.MaxTries"/> tries, stopping early when
    /// a precondition no longer holds. A grant already running for the host is replaced.
    /// </summary>
    /// <param name="request">What to grant.</param>
    /// <param name="observe">Told of every try once its pause (if any) is armed on the clock; must not block.</param>
    /// <returns>The first try (<c>First</c>) and the last (<c>Final</c>), for callers that wait.</returns>
    public (Task<GrantTry> First, Task<GrantTry> Final) Begin(GrantRequest request, Action<GrantTry>? observe = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var first = new TaskCompletionSource<GrantTry>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationTokenSource cts;
        Run run;
        lock (_lock)
        {
            cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            if (_running.Remove(request.Host, out var old))
            {
                old.Cancel.Cancel();
            }

            run = new Run(cts);
            _running[request.Host] = run;
        }

        run.Task = Task.Run(() => LoopAsync(request, run, first, observe), CancellationToken.None);
        return (first.Task, run.Task);
    }

    /// <summary>The grant running in the background for <paramref name="host"/> (its last try), if any.</summary>
    public Task<GrantTry>? InFlight(string host)
    {
        lock (_lock)
        {
            return _running.TryGetValue(host, out var r) ? r.Task : null;
        }
    }

    /// <summary>
    /// One try, for callers that keep their own schedule (the failover engine retries from its
    /// tick, <see cref="GrantPolicy.Backoff"/> apart; the operator asks again): checks, journals,
    /// grants, verifies, alarms on failure.
    /// </summary>
    /// <param name="request">What to grant.</param>
    /// <param name="attempt">Which try this is (1-based).</param>
    /// <param name="retried">Whether the caller tries again after <see cref="GrantPolicy.Backoff"/> (journaled as the next try).</param>
    /// <param name="cancellationToken">Cancels the try.</param>
    /// <remarks>
    /// The try completes on the thread that completes the fencer's task (a continuation that runs
    /// synchronously), so a caller that polls it from a tick on a simulated clock sees it done as
    /// soon as the target answered, whatever the thread's synchronization context.
    /// </remarks>
    public Task<GrantTry> TryAsync(GrantRequest request, int attempt, bool retried, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var t = new TryContext(request, attempt,
            request.Purpose == GrantPurpose.Join ? DecisionKinds.GrantInitiator : DecisionKinds.UnfenceHost,
            Subjects.Host(request.Host),
            request.Purpose == GrantPurpose.Join ? "grant" : "re-admission grant",
            $"{request.Host} ({IscsiName.Printable(request.InitiatorIqn)})",
            retried ? Policy.Backoff(attempt) : null);

        string? problem = !_fencer.IsConfigured ? "no iSCSI target is configured"
            : !_canAct() ? "this appliance is not the leader"
            : Check(request, _log.View);
        if (problem is not null)
        {
            string refused = $"{t.Verb} of {t.Who} refused (try {attempt}): {problem}";
            Append(new NewDecision(t.Kind, t.Subject, Outcome.Refused, Evidence(request, attempt, refused, problem, null)), bestEffort: true);
            LogRefused(_logger, request.Host, problem);
            return Task.FromResult(new GrantTry(request.Host, attempt, false, true, refused, problem, null));
        }

        string decided = $"{t.Verb} of {t.Who}, try {attempt}: {request.Reason}";
        try
        {
            Append(new NewDecision(t.Kind, t.Subject, Outcome.Decided, Evidence(request, attempt, decided, null, null)), bestEffort: false);
        }
        catch (JournalWriteException ex)
        {
            // Never act on a decision that is not in the journal.
            return Task.FromResult(Failed(t, "the journal cannot take the decision: " + ex.Message, null, journal: false));
        }

        Task<FenceOutcome> fencing;
        // Checked again under the target's lock: a fence queued meanwhile (the host failed) goes first.
        var fence = new FenceRequest(request.Host, request.InitiatorIqn, request.Reason,
            () => !_canAct() ? "this appliance is not the leader" : Check(request, _log.View));
        try
        {
            fencing = request.Purpose == GrantPurpose.Join
                ? _fencer.GrantAsync(fence, cancellationToken)
                : _fencer.UnfenceAsync(fence, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            fencing = Task.FromException<FenceOutcome>(ex);
        }

        return fencing.ContinueWith(static (done, state) =>
            {
                var (self, t, token) = ((StorageGrants, TryContext, CancellationToken))state!;
                return self.Finish(t, done, token);
            },
            (this, t, cancellationToken), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private GrantTry Finish(TryContext t, Task<FenceOutcome> done, CancellationToken cancellationToken)
    {
        var request = t.Request;
        if (!done.IsCompletedSuccessfully && cancellationToken.IsCancellationRequested)
        {
            // Stopped (shutdown, leadership lost, replaced by a newer grant): no alarm, not retried here.
            string stopped = $"{t.Verb} of {t.Who} stopped (try {t.Attempt}): cancelled";
            Append(new NewDecision(t.Kind, t.Subject, Outcome.Failed, Evidence(request, t.Attempt, stopped, "cancelled", null)), bestEffort: true);
            return new GrantTry(request.Host, t.Attempt, false, false, stopped, "cancelled", null);
        }

        var outcome = done.IsCompletedSuccessfully
            ? done.Result
            : new FenceOutcome(false, false, "the fencer failed: " + Message(done), [], Message(done));
        if (!outcome.Verified)
        {
            return Failed(t, outcome.Error ?? outcome.Summary, outcome, journal: true);
        }

        string summary = $"{t.Who} granted (verified), try {t.Attempt}: {outcome.Summary}";
        var evidence = Evidence(request, t.Attempt, summary, null, outcome);
        evidence["verified"] = true;
        Append(new NewDecision(t.Kind, t.Subject, Outcome.Succeeded, evidence), bestEffort: true);
        LogGranted(_logger, request.Host, t.Attempt);
        return new GrantTry(request.Host, t.Attempt, true, false, summary, null, null);
    }

    private static string Message(Task task) => task.Exception?.GetBaseException().Message ?? "cancelled";

    /// <summary>Stops every grant running in the background.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>
    /// The preconditions: the host is registered with this initiator; a join's host is neither
    /// failed nor fenced and still has the generation that joined; a re-admission's host is failed
    /// and fenced, has the generation its warrant names, and (unless an operator vouched) that is
    /// not the generation that failed (rule 4). Null when they hold.
    /// </summary>
    public static string? Check(GrantRequest request, ClusterView view)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(view);
        if (!view.Hosts.TryGetValue(request.Host, out var h) || h.Phase == HostPhase.Removed)
        {
            return $"{request.Host} is not registered";
        }

        if (!string.Equals(h.InitiatorIqn, request.InitiatorIqn, StringComparison.Ordinal))
        {
            return $"{request.Host} is registered with initiator {IscsiName.Printable(h.InitiatorIqn)}, not {IscsiName.Printable(request.InitiatorIqn)}";
        }

        if (request.Purpose == GrantPurpose.Join)
        {
            if (request.Warrant is not null)
            {
                return "a join's grant carries no re-admission warrant";
            }

            if (h.Phase == HostPhase.Failed || h.Fenced)
            {
                return $"{request.Host} is {(h.Phase == HostPhase.Failed ? "failed" : "fenced")}: it is granted again only by re-admission (rule 4: never re-admit a stale writer)";
            }

            return string.Equals(h.Generation, request.Generation, StringComparison.Ordinal)
                ? null
                : $"{request.Host} registered generation {h.Generation} since this grant was asked for {request.Generation}";
        }

        if (request.Warrant is not { } warrant || string.IsNullOrWhiteSpace(warrant.Evidence))
        {
            return "a re-admission's grant needs the rule-4 checks (a warrant with evidence)";
        }

        if (h.Phase != HostPhase.Failed || !h.Fenced)
        {
            return h.Phase != HostPhase.Failed
                ? $"{request.Host} is not failed: there is nothing to re-admit"
                : $"{request.Host} was never fenced: there is nothing to grant back";
        }

        if (!string.Equals(h.Generation, warrant.Generation, StringComparison.Ordinal))
        {
            return $"{request.Host} registered generation {h.Generation} since the re-admission was checked for {warrant.Generation}";
        }

        return !warrant.ByOperator && string.Equals(h.Generation, h.FailedGeneration, StringComparison.Ordinal)
            ? $"{request.Host} is still the generation that failed ({h.Generation}): a stale writer is never re-admitted"
            : null;
    }

    private async Task<GrantTry> LoopAsync(GrantRequest request, Run run, TaskCompletionSource<GrantTry> first, Action<GrantTry>? observe)
    {
        var token = run.Cancel.Token;
        GrantTry? last = null;
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                bool retried = attempt < Policy.MaxTries;
                last = await TryAsync(request, attempt, retried, token).ConfigureAwait(false);
                if (last.Verified || last.Refused || !retried)
                {
                    if (last.Failed && !token.IsCancellationRequested)
                    {
                        GaveUp(request, attempt, last);
                    }

                    first.TrySetResult(last);
                    observe?.Invoke(last);
                    return last;
                }

                // The pause is armed before the try is handed back, so a caller on a test clock
                // that advances it after seeing the try always moves this pause.
                var pause = Task.Delay(Policy.Backoff(attempt), _time, token);
                first.TrySetResult(last);
                observe?.Invoke(last);
                await pause.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            var stopped = last is null
                ? new GrantTry(request.Host, 0, false, true, $"grant of {request.Host} stopped before its first try", "stopped", null)
                : last with { NextTryIn = null };
            first.TrySetResult(stopped);
            return stopped;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A journal or fencer fault that escaped a try: the grant is not left silently undone.
            LogLoopFailed(_logger, ex, request.Host);
            var failed = new GrantTry(request.Host, last?.Try ?? 0, false, false, $"grant of {request.Host} stopped: {ex.Message}", ex.Message, null);
            _alarms?.GrantFailed(request.Host, failed.Summary);
            first.TrySetResult(failed);
            return failed;
        }
        finally
        {
            lock (_lock)
            {
                if (_running.TryGetValue(request.Host, out var current) && ReferenceEquals(current, run))
                {
                    _running.Remove(request.Host);
                }
            }

            run.Cancel.Dispose();
        }
    }

    private GrantTry Failed(TryContext t, string why, FenceOutcome? outcome, bool journal)
    {
        var request = t.Request;
        string then = t.Next is { } n ? $"next try in {Seconds(n)}" : "not retried by this path";
        string summary = $"{t.Verb} of {t.Who} FAILED (try {t.Attempt}, not verified): {why}; {then}";
        if (journal)
        {
            var evidence = Evidence(request, t.Attempt, summary, why, outcome);
            evidence["verified"] = false;
            if (t.Next is { } wait)
            {
                evidence["nextTryInMs"] = (long)wait.TotalMilliseconds;
            }

            Append(new NewDecision(t.Kind, t.Subject, Outcome.Failed, evidence), bestEffort: true);
        }

        LogFailed(_logger, request.Host, t.Attempt, why);
        _alarms?.GrantFailed(request.Host, summary);
        return new GrantTry(request.Host, t.Attempt, false, false, summary, why, t.Next);
    }

    private void GaveUp(GrantRequest request, int attempt, GrantTry last)
    {
        string summary = $"gave up granting {request.Host} after {attempt} tries: {last.Error}. It stays registered without its disks until it joins again or an operator grants it (`hawitness target grant`)";
        var evidence = Evidence(request, attempt, summary, last.Error, null);
        evidence["gaveUp"] = true;
        Append(new NewDecision(request.Purpose == GrantPurpose.Join ? DecisionKinds.GrantInitiator : DecisionKinds.UnfenceHost,
            Subjects.Host(request.Host), Outcome.Failed, evidence), bestEffort: true);
        LogGaveUp(_logger, request.Host, attempt);
        _alarms?.GrantFailed(request.Host, summary);
    }

    private static JsonObject Evidence(GrantRequest request, int attempt, string summary, string? error, FenceOutcome? outcome)
    {
        var evidence = outcome?.Evidence.DeepClone().AsObject() ?? [];
        evidence["summary"] = summary;
        evidence["path"] = "grant";
        evidence["purpose"] = request.Purpose == GrantPurpose.Join ? "join" : "readmission";
        evidence["host"] = request.Host;
        evidence["initiator"] = IscsiName.Printable(request.InitiatorIqn);
        evidence["generation"] = request.Generation;
        evidence["reason"] = request.Reason;
        evidence["try"] = attempt;
        if (request.Warrant is { } w)
        {
            evidence["byOperator"] = w.ByOperator;
            evidence["rule4"] = w.Evidence;
        }

        if (outcome is not null)
        {
            evidence["fencerSummary"] = outcome.Summary;
        }

        if (error is not null)
        {
            evidence["grantError"] = error;
        }

        return evidence;
    }

    private void Append(NewDecision decision, bool bestEffort)
    {
        try
        {
            _journal(decision);
        }
        catch (JournalWriteException ex) when (bestEffort)
        {
            LogJournalFailed(_logger, decision.Subject, ex.Message);
        }
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    private sealed record TryContext(GrantRequest Request, int Attempt, string Kind, string Subject, string Verb, string Who, TimeSpan? Next);

    private sealed class Run(CancellationTokenSource cancel)
    {
        public CancellationTokenSource Cancel { get; } = cancel;

        public Task<GrantTry>? Task { get; set; }
    }

    [LoggerMessage(EventId = 2900, Level = LogLevel.Information, Message = "Initiator of {Host} granted (verified) on try {Try}")]
    private static partial void LogGranted(ILogger logger, string host, int @try);

    [LoggerMessage(EventId = 2901, Level = LogLevel.Error, Message = "Grant of {Host} failed on try {Try}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string host, int @try, string reason);

    [LoggerMessage(EventId = 2902, Level = LogLevel.Warning, Message = "Grant of {Host} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string host, string reason);

    [LoggerMessage(EventId = 2903, Level = LogLevel.Error, Message = "Gave up granting {Host} after {Tries} tries")]
    private static partial void LogGaveUp(ILogger logger, string host, int tries);

    [LoggerMessage(EventId = 2904, Level = LogLevel.Error, Message = "Grant of {Host} stopped by an unexpected error")]
    private static partial void LogLoopFailed(ILogger logger, Exception ex, string host);

    [LoggerMessage(EventId = 2905, Level = LogLevel.Error, Message = "Journal write about {Subject} failed: {Reason}")]
    private static partial void LogJournalFailed(ILogger logger, string subject, string reason);
}
