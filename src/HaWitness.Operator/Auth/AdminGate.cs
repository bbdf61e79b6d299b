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
}

/// <summary>
/// Checks the admin credential however it comes (HTTP Basic with user <c>admin</c>, a bearer token
/// that is the password, the login form), throttles failures per remote address and journals each
/// failed attempt (kind <c>AdminLogin</c>, subject <c>cluster</c>) with the address and lockout.
/// </summary>
internal sealed partial class AdminGate(AdminCredential credential, LoginThrottle throttle, JournalStore journal, OperatorMetrics metrics, ILogger<AdminGate> logger)
{
    public const string DecisionKind = "AdminLogin";

    /// <summary>Checks an <c>Authorization</c> header.</summary>
    public (GateVerdict Verdict, TimeSpan RetryAfter) CheckHeader(string? authorization, string remote)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return (GateVerdict.None, TimeSpan.Zero);
        }

        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return CheckPassword(authorization[7..].Trim(), remote, "bearer");
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
                ? CheckPassword(decoded[(colon + 1)..], remote, "basic")
                : CheckPassword(string.Empty, remote, "basic");
        }

        return CheckPassword(string.Empty, remote, "unknown-scheme");
    }

    /// <summary>Checks a password; <paramref name="via"/> names the way it came for the journal.</summary>
    public (GateVerdict Verdict, TimeSpan RetryAfter) CheckPassword(string password, string remote, string via)
    {
        if (throttle.RetryAfter(remote) is { } wait)
        {
            return (GateVerdict.Throttled, wait);
        }

        if (credential.Verify(password))
        {
            throttle.Succeeded(remote);
            return (GateVerdict.Admin, TimeSpan.Zero);
        }

        var (failures, lockout) = throttle.Failed(remote);
        metrics.LoginFailed();
        string summary = lockout > TimeSpan.Zero
            ? $"failed admin login from {remote} ({via}), failure {failures} in a row: locked out for {lockout.TotalSeconds:0.#} s"
            : $"failed admin login from {remote} ({via}), failure {failures} in a row";
        try
        {
            journal.Append(new NewDecision(DecisionKind, Subjects.Cluster, Outcome.Refused, new JsonObject
            {
                ["summary"] = summary,
                ["remote"] = remote,
                ["via"] = via,
                ["failures"] = failures,
                ["lockedOutMs"] = (long)lockout.TotalMilliseconds,
            }));
        }
        catch (JournalWriteException ex)
        {
            LogJournalFailed(logger, ex);
        }

        LogLoginFailed(logger, remote, via, failures, (long)lockout.TotalMilliseconds);
        return (GateVerdict.Wrong, lockout);
    }

    [LoggerMessage(EventId = 6000, Level = LogLevel.Warning, Message = "Failed admin login from {Remote} ({Via}), failure {Failures} in a row; locked out for {LockoutMs} ms")]
    private static partial void LogLoginFailed(ILogger logger, string remote, string via, int failures, long lockoutMs);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "Could not journal a failed admin login")]
    private static partial void LogJournalFailed(ILogger logger, Exception ex);
}
