using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace HaWitness.Core.Configuration;

/// <summary>Where the appliance logs in to manage a target: <c>USER@HOST[:PORT]</c>.</summary>
/// <param name="User">Login name (letters, digits, '.', '_', '-'; 1..32, not starting with '-').</param>
/// <param name="Host">An IP address or a DNS name.</param>
/// <param name="Port">TCP port, 22 when not given.</param>
public sealed record SshDestination(string User, string Host, int Port)
{
    private static readonly SearchValues<char> UserChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>Parses <c>USER@HOST[:PORT]</c> (IPv6 hosts in brackets: <c>root@[::1]:22</c>).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SshDestination? destination, out string error)
    {
        destination = null;
        error = "expected USER@HOST[:PORT], for example root@127.0.0.1:22";
        if (string.IsNullOrEmpty(text) || text.Length > 300)
        {
            return false;
        }

        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0)
        {
            return false;
        }

        string user = text[..at];
        string rest = text[(at + 1)..];
        if (user.Length > 32 || user[0] == '-' || user.AsSpan().ContainsAnyExcept(UserChars))
        {
            error = $"user '{user}' is not a valid login name (letters, digits, '.', '_', '-')";
            return false;
        }

        string host;
        string? port = null;
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = rest[1..close];
            string tail = rest[(close + 1)..];
            if (tail.Length > 0)
            {
                if (tail[0] != ':')
                {
                    return false;
                }

                port = tail[1..];
            }

            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"'{host}' in brackets is not an IPv6 address";
                return false;
            }
        }
        else
        {
            int colon = rest.LastIndexOf(':');
            host = colon >= 0 ? rest[..colon] : rest;
            port = colon >= 0 ? rest[(colon + 1)..] : null;
            if (!IsHostName(host) && !(IPAddress.TryParse(host, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
            {
                error = $"host '{host}' is not an IP address or a DNS name";
                return false;
            }
        }

        int p = 22;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p is < 1 or > 65535))
        {
            error = $"port '{port}' is not a TCP port (1..65535)";
            return false;
        }

        destination = new SshDestination(user, host, p);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal)
        ? string.Create(CultureInfo.InvariantCulture, $"{User}@[{Host}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{User}@{Host}:{Port}");

    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in host.Split('.'))
        {
            if (!Names.IsValidHostName(label) || label.Contains('.', StringComparison.Ordinal) || label.EndsWith('-'))
            {
                return false;
            }
        }

        return true;
    }
}
