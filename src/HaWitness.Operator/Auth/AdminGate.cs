using System.Text;
using System.Text.Json.Nodes;
using HaWitness.Core.Journal;
using HaWitness.Operator.Metrics;

namespace HaWitness.Operator.Auth;

/// <summary>What checking a presented credential came to.</summary>
internal enum GateVerdict
{
    /// <summary>Nothing was presented.</summary>
    None,
    /// <summary>The admin password.</summary>
    Admin,
    /// <summary>A wrong (or malformed) credential; counted against the address.</summary>
    Wrong,
    /// <summary>The address is locked out for a while after failed attempts; nothing was checked.</summary>
    Throttled,
    /// <summary>No password-hashing slot was free in time (a login flood); nothing was checked or counted.</summary>
    Busy,
}

/// <summary>
/// Checks the admin credential however it comes (HTTP Basic with user <c>admin</c>, a bearer token
/// that is the password, the login form), throttles failures per remote address, hashes with
/// bounded concurrency (<see cref="PasswordSlots"/>) and counts failed attempts (kind
/// <c>AdminLogin</c>, subject <c>cluster</c>) per address and minute in the journal's
/// <see cref="RefusalTally"/>: the first at once, then one row with the count.
/// </summary>
internal sealed partial class AdminGate(AdminCredential credential, LoginThrottle throttle, PasswordSlots slots, JournalStore journal, OperatorMetrics metrics, ILogger<AdminGate> logger)
{
    /// <summary>How long a caller told <see cref="GateVerdict.Busy"/> should wait.</summary>
    public static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(1);

    public const string DecisionKind = "AdminLogin";

    /// <summary>Checks an <c>Authorization</c> header.</summary>
    public async ValueTask<(GateVerdict Verdict, TimeSpan RetryAfter)> CheckHeaderAsync(string? authorization, string remote, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return (GateVerdict.None, TimeSpan.Zero);
        }

        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return await CheckPasswordAsync(authorization[7..].Trim(), remote, "bearer", cancellationToken).ConfigureAwait(false);
        }

        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            string? decoded = null;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            }
            catch (FormatException)
            {
            }

            int colon = decoded?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            return colon > 0 && decoded![..colon] == "admin"
                ? await CheckPasswordAsync(decoded[(colon + 1)..], remote, "basic", cancellationToken).ConfigureAwait(false)
                : await CheckPasswordAsync(string.Empty, remote, "basic", cancellationToken).ConfigureAwait(false);
        }

        return await CheckPasswordAsync(string.Empty, remote, "unknown-scheme", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks a password; <paramref name="via"/> names the way it came for the journal.</summary>
    public async ValueTask<(GateVerdict Verdict, TimeSpan RetryAfter)> CheckPasswordAsync(string password, string remote, string via, CancellationToken cancellationToken)
    {
        if (throttle.RetryAfter(remote) is { } wait)
        {
            return (GateVerdict.Throttled, wait);
        }

        bool ok;
        if (credential.VerifyCheaply(password) is { } known)
        {
            ok = known;
        }
        else
        {
            if (!await slots.EnterAsync(remote, cancellationToken).ConfigureAwait(false))
            {
                return (GateVerdict.Busy, BusyRetry);
            }

            try
            {
                ok = credential.Verify(password);
            }
            finally
            {
                slots.Exit(remote);
            }
        }

        if (ok)
        {
            throttle.Succeeded(remote);
            return (GateVerdict.Admin, TimeSpan.Zero);
        }

        var (failures, lockout) = throttle.Failed(remote);
        metrics.LoginFailed();
        string summary = lockout > TimeSpan.Zero
            ? $"failed admin login from {remote} ({via}), failure {failures} in a row: locked out for {lockout.TotalSeconds:0.#} s"
            : $"failed admin login from {remote} ({via}), failure {failures} in a row";
        var refusal = new Refusal("login", DecisionKind, Subjects.Cluster, remote, $"wrong password ({via}), failure {failures} in a row", summary, new JsonObject
        {
            ["via"] = via,
            ["failures"] = failures,
            ["lockedOutMs"] = (long)lockout.TotalMilliseconds,
        });
        if (journal.Refusals.Refused(refusal))
        {
            LogLoginFailed(logger, remote, via, failures, (long)lockout.TotalMilliseconds);
        }

        return (GateVerdict.Wrong, lockout);
    }

    [LoggerMessage(EventId = 6000, Level = LogLevel.Warning, Message = "Failed admin login from {Remote} ({Via}), failure {Failures} in a row; locked out for {LockoutMs} ms (more from this address are counted, not logged, for a minute)")]
    private static partial void LogLoginFailed(ILogger logger, string remote, string via, int failures, long lockoutMs);
}
