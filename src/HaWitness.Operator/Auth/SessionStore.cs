using System.Security.Cryptography;
using System.Text;

namespace HaWitness.Operator.Auth;

/// <summary>
/// Page logins, in memory (an appliance restart logs everyone out). The browser holds a random
/// 256-bit id in an HttpOnly, SameSite=Strict cookie; the store keys sessions by the id's SHA-256.
/// Each session has its own CSRF token (synchronizer pattern) that every form must echo. Sessions
/// end after <c>Http:SessionMinutes</c> without use, on logout, and when the admin password changes.
/// </summary>
internal sealed class SessionStore(AdminCredential credential, TimeProvider time, TimeSpan idle)
{
    public const string CookieName = "hw_session";
    private const int MaxSessions = 1000;
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Starts a session; returns the cookie value.</summary>
    public (string Id, Session Session) Create()
    {
        string id = Token();
        var session = new Session(Token(), credential.Stamp, time.GetUtcNow() + idle);
        lock (_gate)
        {
            if (_sessions.Count >= MaxSessions)
            {
                foreach (var key in _sessions.OrderBy(kv => kv.Value.ExpiresAt).Take(MaxSessions / 10).Select(kv => kv.Key).ToList())
                {
                    _sessions.Remove(key);
                }
            }

            _sessions[Key(id)] = session;
        }

        return (id, session);
    }

    /// <summary>The live session for a cookie value (its idle time restarts), or null.</summary>
    public Session? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 100)
        {
            return null;
        }

        long stamp = credential.Stamp;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            string key = Key(id);
            if (!_sessions.TryGetValue(key, out var s))
            {
                return null;
            }

            if (s.ExpiresAt <= now || s.Stamp != stamp)
            {
                _sessions.Remove(key);
                return null;
            }

            var renewed = s with { ExpiresAt = now + idle };
            _sessions[key] = renewed;
            return renewed;
        }
    }

    public void Remove(string? id)
    {
        if (!string.IsNullOrEmpty(id))
        {
            lock (_gate)
            {
                _sessions.Remove(Key(id));
            }
        }
    }

    /// <summary>Constant-time check of a form's CSRF field against the session's token.</summary>
    public static bool CsrfMatches(Session session, string? presented) =>
        presented is { Length: > 0 and < 200 }
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(session.Csrf), Encoding.ASCII.GetBytes(presented));

    /// <summary>A random URL-safe token of 256 bits.</summary>
    public static string Token() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Key(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}

/// <summary>A page login.</summary>
/// <param name="Csrf">The token every form of this session carries.</param>
/// <param name="Stamp">The admin credential's stamp when it was made.</param>
/// <param name="ExpiresAt">When it ends unless used.</param>
internal sealed record Session(string Csrf, long Stamp, DateTimeOffset ExpiresAt);
