using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Core.Fencing;
using HaWitness.Core.Journal;
using HaWitness.Fencing.Targets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using HaWitness.Core.Configuration;

namespace HaWitness.Fencing;

/// <summary>
/// The storage wall (<see cref="IStorageFencer"/>) over a target driver. Each fence, unfence or
/// grant is journaled twice: a <c>Decided</c> row before anything is touched (so a crash leaves a
/// trace that a fence was under way) and a final row with the evidence: sessions before, every
/// command run, sessions after, time taken, each attempt. A fence counts only when the driver's
/// re-read verified it; otherwise it is retried per <see cref="FencePolicy"/> and then reported
/// FAILED, never done. One operation runs at a time.
/// </summary>
public sealed partial class StorageFencer : IStorageFencer
{
    private readonly ITargetDriver? _driver;
    private readonly JournalStore _journal;
    private readonly FencePolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Creates the fencer; <paramref name="driver"/> null means no target is configured.</summary>
    public StorageFencer(ITargetDriver? driver, JournalStore journal, FencePolicy? policy = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _driver = driver;
        _journal = journal ?? throw new ArgumentNullException(nameof(journal));
        _policy = policy ?? FencePolicy.Default;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    private enum Operation
    {
        Fence,
        Unfence,
        Grant,
    }

    /// <inheritdoc />
    public bool IsConfigured => _driver is not null;

    /// <inheritdoc />
    public Task<FenceOutcome> FenceAsync(FenceRequest request, CancellationToken cancellationToken) =>
        RunAsync(Operation.Fence, request, cancellationToken);

    /// <inheritdoc />
    public Task<FenceOutcome> UnfenceAsync(FenceRequest request, CancellationToken cancellationToken) =>
        RunAsync(Operation.Unfence, request, cancellationToken);

    /// <summary>Grants a new host's initiator on every target (journaled as <c>GrantInitiator</c>).</summary>
    public Task<FenceOutcome> GrantAsync(FenceRequest request, CancellationToken cancellationToken) =>
        RunAsync(Operation.Grant, request, cancellationToken);

    private async Task<FenceOutcome> RunAsync(Operation op, FenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long start = _time.GetTimestamp();
        string kind = op switch
        {
            Operation.Fence => DecisionKinds.FenceHost,
            Operation.Unfence => DecisionKinds.UnfenceHost,
            _ => DecisionKinds.GrantInitiator,
        };
        string subject = Subjects.Host(request.Host);
        var evidence = new JsonObject
        {
            ["operation"] = Verb(op),
            ["host"] = request.Host,
            ["initiator"] = IscsiName.Printable(request.InitiatorIqn),
            ["reason"] = request.Reason,
            ["driver"] = _driver?.Kind,
            ["target"] = _driver?.Destination,
        };

        if (IscsiName.Check(request.InitiatorIqn) is { } bad)
        {
            var error = new TargetError(TargetErrorKind.InvalidInput, $"initiator '{IscsiName.Printable(request.InitiatorIqn)}' refused: {bad}");
            return Refuse(kind, subject, evidence, error, start);
        }

        if (_driver is null)
        {
            return Refuse(kind, subject, evidence, new TargetError(TargetErrorKind.InvalidInput, "no iSCSI target is configured: nothing can be fenced"), start);
        }

        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (request.StillAllowed?.Invoke() is { } notNow)
            {
                // Decided before an operation that came first under the lock (a fence): not any more.
                return Refuse(kind, subject, evidence, new TargetError(TargetErrorKind.InvalidInput, $"{Verb(op)} of {request.Host} no longer allowed: {notNow}"), start);
            }

            try
            {
                _journal.Append(new NewDecision(kind, subject, Outcome.Decided, evidence.DeepClone().AsObject()));
            }
            catch (JournalWriteException ex)
            {
                // Never act on a decision that is not in the journal.
                return new FenceOutcome(false, false, $"{Verb(op)} of {request.Host} not attempted: {ex.Message}", evidence, ex.Message);
            }

            LogStarted(_logger, Verb(op), request.Host, request.InitiatorIqn, request.Reason);
            var (report, lastError, attempts, changed) = await AttemptsAsync(op, request.InitiatorIqn, cancellationToken).ConfigureAwait(false);
            double ms = _time.GetElapsedTime(start).TotalMilliseconds;
            bool verified = report?.Verified == true;
            bool noOp = verified && !changed; // a no-op only if no attempt changed anything
            FenceEvidence.Fill(evidence, report, attempts, lastError, verified, noOp, ms);
            string summary = Summary(op, request, report, lastError, verified, noOp, ms, attempts.Count);
            var outcome = verified ? (noOp ? Outcome.NoOp : Outcome.Succeeded) : Outcome.Failed;
            try
            {
                _journal.Append(new NewDecision(kind, subject, outcome, evidence));
            }
            catch (JournalWriteException ex)
            {
                LogFailed(_logger, Verb(op), request.Host, "journal: " + ex.Message);
                return new FenceOutcome(false, false, summary + "; but the journal write failed, so it does not count: " + ex.Message, evidence, ex.Message);
            }

            if (verified)
            {
                LogVerified(_logger, Verb(op), request.Host, ms, noOp);
                return new FenceOutcome(true, noOp, summary, evidence);
            }

            string why = lastError?.ToString() ?? string.Join("; ", report?.Problems ?? []);
            LogFailed(_logger, Verb(op), request.Host, why);
            return new FenceOutcome(false, false, summary, evidence, why);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<(DriverReport? Report, TargetError? Error, List<JsonObject> Attempts, bool Changed)> AttemptsAsync(
        Operation op, string initiator, CancellationToken cancellationToken)
    {
        var attempts = new List<JsonObject>();
        DriverReport? first = null;
        DriverReport? last = null;
        TargetError? error = null;
        bool changed = false;
        for (int i = 1; i <= _policy.Attempts; i++)
        {
            long t0 = _time.GetTimestamp();
            error = null;
            try
            {
                last = op == Operation.Fence
                    ? await _driver!.FenceAsync(initiator, cancellationToken).ConfigureAwait(false)
                    : await _driver!.GrantAsync(initiator, cancellationToken).ConfigureAwait(false);
                first ??= last;
                changed |= last.Changed;
            }
            catch (TargetException ex)
            {
                error = ex.Error;
                last = null;
            }

            attempts.Add(FenceEvidence.Attempt(i, last, error, _time.GetElapsedTime(t0).TotalMilliseconds));
            if (last?.Verified == true)
            {
                break;
            }

            bool retryable = error?.IsRetryable ?? last?.HasUnsafeTarget != true;
            if (!retryable || i == _policy.Attempts)
            {
                break;
            }

            LogRetry(_logger, Verb(op), initiator, i, error?.ToString() ?? string.Join("; ", last?.Problems ?? []));
            if (_policy.RetryDelay > TimeSpan.Zero)
            {
                await Task.Delay(_policy.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        // Sessions "before" are what the first successful read saw; the rest is from the last try.
        if (first is not null && last is not null && !ReferenceEquals(first, last))
        {
            last.SessionsBefore = first.SessionsBefore;
            last.GrantedBefore = first.GrantedBefore;
        }

        return (last ?? first, error, attempts, changed);
    }

    private FenceOutcome Refuse(string kind, string subject, JsonObject evidence, TargetError error, long start)
    {
        evidence["verified"] = false;
        evidence["error"] = FenceEvidence.Error(error);
        evidence["elapsedMs"] = Math.Round(_time.GetElapsedTime(start).TotalMilliseconds, 2);
        LogRefused(_logger, subject, error.Message);
        try
        {
            _journal.Append(new NewDecision(kind, subject, Outcome.Refused, evidence));
        }
        catch (JournalWriteException)
        {
            // Refused either way; nothing was done.
        }

        return new FenceOutcome(false, false, "refused: " + error.Message, evidence, error.ToString());
    }

    private static string Verb(Operation op) => op switch
    {
        Operation.Fence => "fence",
        Operation.Unfence => "unfence",
        _ => "grant",
    };

    private static string Summary(Operation op, FenceRequest request, DriverReport? report, TargetError? error, bool verified, bool noOp, double ms, int attempts)
    {
        string who = request.Host == request.InitiatorIqn ? request.Host : $"{request.Host} ({request.InitiatorIqn})";
        string time = ms.ToString("F1", CultureInfo.InvariantCulture);
        if (!verified)
        {
            string why = error?.ToString() ?? string.Join("; ", report?.Problems ?? []);
            return string.Create(CultureInfo.InvariantCulture, $"{Verb(op)} of {who} FAILED after {attempts} attempt(s) in {time} ms: {why}");
        }

        if (op == Operation.Fence)
        {
            return noOp
                ? $"{who} was already fenced: no ACL and no session on any target (verified in {time} ms)"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{who} fenced: revoked on {report!.GrantedBefore.Count} target(s), {report.SessionsBefore.Count} live session(s) dropped, verified in {time} ms");
        }

        return noOp
            ? $"{who} already had access to every target (verified in {time} ms)"
            : $"{who} granted on every target, verified in {time} ms";
    }
}
