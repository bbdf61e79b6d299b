using System.Globalization;
using System.Net.Sockets;
using HaWitness.Fencing.Targets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace HaWitness.Fencing.Ssh;

/// <summary>
/// Runs commands on the target host over one reused SSH connection (SSH.NET), so that a fence
/// pays no new handshake. The host key is pinned on first use in a known_hosts file; a changed
/// key is refused. Every failure comes out as a <see cref="TargetException"/> of a precise kind.
/// </summary>
public sealed partial class SshRemoteShell : IRemoteShell
{
    private readonly SshSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KnownHosts _knownHosts;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private SshClient? _client;
    private int _handshakes;
    private bool _disposed;

    /// <summary>Creates the shell; nothing connects until the first command.</summary>
    public SshRemoteShell(SshSettings settings, TimeProvider? time = null, ILogger? logger = null)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _knownHosts = new KnownHosts(settings.KnownHostsFile);
    }

    /// <inheritdoc />
    public string Destination => _settings.Destination.ToString();

    /// <summary>How many SSH handshakes this shell has made (1 while the connection lasts).</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = ShellQuote.Join(argv);
        }
        catch (ArgumentException ex)
        {
            throw TargetException.Of(TargetErrorKind.InvalidInput, "refusing to run a command: " + ex.Message, ex);
        }

        var client = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
        long start = _time.GetTimestamp();
        using var command = client.CreateCommand(text);
        using var timeout = new CancellationTokenSource(_settings.CommandTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await command.ExecuteAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogCommandFailed(_logger, Destination, text, "timeout");
            throw TargetException.Of(TargetErrorKind.Timeout,
                $"ssh {Destination}: '{Short(text)}' did not finish within {Ms(_settings.CommandTimeout)} ms", ex);
        }
        catch (Exception ex) when (ex is SshException or SocketException or IOException or ObjectDisposedException)
        {
            LogCommandFailed(_logger, Destination, text, ex.Message);
            await DropAsync().ConfigureAwait(false);
            throw TargetException.Of(TargetErrorKind.ConnectionFailed,
                $"ssh {Destination}: connection failed while running '{Short(text)}': {ex.Message}", ex);
        }

        var elapsed = _time.GetElapsedTime(start);
        int exit = command.ExitStatus ?? -1;
        LogCommandRan(_logger, Destination, text, exit, elapsed.TotalMilliseconds);
        return new CommandResult(text, exit, command.Result, command.Error, elapsed);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            _client?.Dispose();
            _client = null;
        }
        finally
        {
            _connectGate.Release();
        }

        _connectGate.Dispose();
    }

    private async Task DropAsync()
    {
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _client?.Dispose();
            _client = null;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task<SshClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { IsConnected: true } live)
            {
                return live;
            }

            _client?.Dispose();
            _client = null;
            var client = await ConnectNewAsync(cancellationToken).ConfigureAwait(false);
            _client = client;
            Interlocked.Increment(ref _handshakes);
            return client;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task<SshClient> ConnectNewAsync(CancellationToken cancellationToken)
    {
        var d = _settings.Destination;
        var key = LoadKey();
        var info = new ConnectionInfo(d.Host, d.Port, d.User, new PrivateKeyAuthenticationMethod(d.User, key))
        {
            Timeout = _settings.ConnectTimeout,
        };
        var client = new SshClient(info) { KeepAliveInterval = TimeSpan.FromSeconds(15) };
        var check = new HostKeyCheck();
        client.HostKeyReceived += (_, e) => Verify(check, e);

        long start = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_settings.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await client.ConnectAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            var error = Classify(ex, check);
            LogConnectFailed(_logger, Destination, error.Kind.ToString(), error.Message);
            throw new TargetException(error, ex);
        }

        if (check.PinnedNow)
        {
            LogHostKeyPinned(_logger, Destination, check.Presented ?? "?", _knownHosts.Path);
        }

        LogConnected(_logger, Destination, _time.GetElapsedTime(start).TotalMilliseconds);
        return client;
    }

    private PrivateKeyFile LoadKey()
    {
        try
        {
            return new PrivateKeyFile(_settings.KeyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SshException or ArgumentException)
        {
            throw TargetException.Of(TargetErrorKind.SshKeyUnusable,
                $"ssh {Destination}: cannot use the key {_settings.KeyFile}: {ex.Message}", ex);
        }
    }

    private void Verify(HostKeyCheck check, HostKeyEventArgs e)
    {
        var d = _settings.Destination;
        check.Presented = e.HostKeyName + " " + KnownHosts.Fingerprint(e.HostKey);
        try
        {
            var verdict = _knownHosts.Check(d.Host, d.Port, e.HostKeyName, e.HostKey, out var pinned);
            check.Pinned = pinned;
            check.PinnedNow = verdict == HostKeyVerdict.PinnedNow;
            check.Mismatch = verdict == HostKeyVerdict.Mismatch;
            e.CanTrust = verdict != HostKeyVerdict.Mismatch;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            check.FileError = ex.Message;
            e.CanTrust = false;
        }
    }

    private TargetError Classify(Exception ex, HostKeyCheck check)
    {
        string dest = "ssh " + Destination;
        if (check.Mismatch)
        {
            LogHostKeyMismatch(_logger, Destination, check.Presented ?? "?", string.Join(", ", check.Pinned), _knownHosts.Path);
            return new TargetError(TargetErrorKind.HostKeyMismatch,
                $"{dest}: HOST KEY MISMATCH: the server presents {check.Presented} but {_knownHosts.Path} pins {string.Join(", ", check.Pinned)}; " +
                "refusing to connect (it may be an impostor; if the host was really reinstalled, delete its line from that file)");
        }

        if (check.FileError is { } fileError)
        {
            return new TargetError(TargetErrorKind.ConnectionFailed, $"{dest}: cannot read or write the known hosts file {_knownHosts.Path}: {fileError}");
        }

        return ex switch
        {
            OperationCanceledException or SshOperationTimeoutException =>
                new(TargetErrorKind.Timeout, $"{dest}: no SSH session within {Ms(_settings.ConnectTimeout)} ms"),
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                new(TargetErrorKind.ConnectionRefused, $"{dest}: connection refused (is sshd listening on port {_settings.Destination.Port}?)"),
            SocketException { SocketErrorCode: SocketError.TimedOut } =>
                new(TargetErrorKind.Timeout, $"{dest}: TCP connect timed out"),
            SocketException s =>
                new(TargetErrorKind.ConnectionFailed, $"{dest}: {s.SocketErrorCode}: {s.Message}"),
            SshAuthenticationException =>
                new(TargetErrorKind.AuthenticationFailed, $"{dest}: authentication failed: the server did not accept the key {_settings.KeyFile} for user {_settings.Destination.User}"),
            _ => new(TargetErrorKind.ConnectionFailed, $"{dest}: {ex.GetType().Name}: {ex.Message}"),
        };
    }

    private static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    private static string Short(string text) => text.Length > 120 ? text[..120] + "..." : text;

    private sealed class HostKeyCheck
    {
        public string? Presented { get; set; }

        public IReadOnlyList<string> Pinned { get; set; } = [];

        public bool PinnedNow { get; set; }

        public bool Mismatch { get; set; }

        public string? FileError { get; set; }
    }
}
