using System.Net;
using System.Net.Sockets;
using HaWitness.Core.Configuration;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets;
using HaWitness.TestSupport;

namespace HaWitness.Fencing.Tests.Ssh;

/// <summary>SSH.NET against a real OpenSSH server on loopback.</summary>
public sealed class SshRemoteShellTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private SshdFixture _sshd = null!;

    public async Task InitializeAsync() => _sshd = await SshdFixture.StartAsync();

    public async Task DisposeAsync()
    {
        await _sshd.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Run_ReturnsOutputAndExitCode_OverOneReusedConnection()
    {
        await using var shell = Shell();
        var first = await shell.RunAsync(["echo", "hello"], CancellationToken.None);
        Assert.Equal((0, "hello\n"), (first.ExitCode, first.StdOut));

        for (int i = 0; i < 5; i++)
        {
            var r = await shell.RunAsync(["sh", "-c", "echo oops >&2; exit 3"], CancellationToken.None);
            Assert.Equal((3, "oops\n"), (r.ExitCode, r.StdErr));
        }

        Assert.Equal(1, shell.Handshakes);
    }

    [Fact]
    public async Task Run_HostileArguments_ArriveByteForByte_OverSsh()
    {
        string[] hostile = ["; touch /tmp/hawitness-pwned", "$(id)", "`id`", "it's", "a\nb", "", " x ", "*", "~", "$HOME", "é😀"];
        await using var shell = Shell();
        var r = await shell.RunAsync(["printf", "%s\\0", .. hostile], CancellationToken.None);
        Assert.Equal(hostile, r.StdOut.Split('\0')[..^1]);
        Assert.False(File.Exists("/tmp/hawitness-pwned"));
    }

    [Fact]
    public async Task FirstConnect_PinsTheHostKey_InOpenSshFormat_AndTrustsItNextTime()
    {
        string knownHosts = _dir.File("known_hosts");
        await using (var shell = Shell(knownHosts: knownHosts))
        {
            await shell.RunAsync(["true"], CancellationToken.None);
        }

        string[] hostKey = _sshd.HostPublicKey.Split(' ');
        Assert.Equal($"[127.0.0.1]:{_sshd.Port} {hostKey[0]} {hostKey[1]}", File.ReadAllText(knownHosts).Trim());

        // OpenSSH reads the same file.
        var (code, stdout, _) = await ProcessRunner.RunAsync("ssh-keygen", ["-F", $"[127.0.0.1]:{_sshd.Port}", "-f", knownHosts]);
        Assert.Equal(0, code);
        Assert.Contains(hostKey[1], stdout, StringComparison.Ordinal);

        await using var again = Shell(knownHosts: knownHosts);
        Assert.Equal(0, (await again.RunAsync(["true"], CancellationToken.None)).ExitCode);
        Assert.Single(File.ReadAllLines(knownHosts));
    }

    [Fact]
    public async Task ChangedHostKey_IsRefused_WithATypedClearError()
    {
        string knownHosts = _dir.File("known_hosts");
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", _dir.File("impostor"));
        string[] other = File.ReadAllText(_dir.File("impostor.pub")).Split(' ');
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{_sshd.Port} {other[0]} {other[1]}\n");

        await using var shell = Shell(knownHosts: knownHosts);
        var ex = await Assert.ThrowsAsync<TargetException>(() => shell.RunAsync(["touch", _dir.File("ran")], CancellationToken.None));

        Assert.Equal(TargetErrorKind.HostKeyMismatch, ex.Error.Kind);
        Assert.Contains("HOST KEY MISMATCH", ex.Error.Message, StringComparison.Ordinal);
        Assert.Contains(knownHosts, ex.Error.Message, StringComparison.Ordinal);
        Assert.False(ex.Error.IsRetryable);
        Assert.False(File.Exists(_dir.File("ran")));
        Assert.Single(File.ReadAllLines(knownHosts)); // the pinned key is kept, not replaced
    }

    [Fact]
    public async Task WrongKey_IsAnAuthenticationFailure()
    {
        await using var shell = Shell(key: _sshd.StrangerKey);
        var ex = await Assert.ThrowsAsync<TargetException>(() => shell.RunAsync(["true"], CancellationToken.None));
        Assert.Equal(TargetErrorKind.AuthenticationFailed, ex.Error.Kind);
        Assert.Contains(_sshd.StrangerKey, ex.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingKeyFile_IsSshKeyUnusable()
    {
        await using var shell = Shell(key: _dir.File("no-such-key"));
        var ex = await Assert.ThrowsAsync<TargetException>(() => shell.RunAsync(["true"], CancellationToken.None));
        Assert.Equal(TargetErrorKind.SshKeyUnusable, ex.Error.Kind);
    }

    [Fact]
    public async Task NothingListening_IsConnectionRefused()
    {
        int port = FreePort.Tcp();
        await using var shell = Shell(destination: new SshDestination(_sshd.User, "127.0.0.1", port));
        var ex = await Assert.ThrowsAsync<TargetException>(() => shell.RunAsync(["true"], CancellationToken.None));
        Assert.Equal(TargetErrorKind.ConnectionRefused, ex.Error.Kind);
        Assert.Contains("connection refused", ex.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerThatNeverSpeaks_TimesOut_WithinTheConnectTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        var acceptLoop = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await silent.AcceptSocketAsync());
            }
        });
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var shell = Shell(destination: new SshDestination("root", "127.0.0.1", port), connectTimeout: TimeSpan.FromMilliseconds(500));

        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<TargetException>(() => shell.RunAsync(["true"], CancellationToken.None));

        Assert.Equal(TargetErrorKind.Timeout, ex.Error.Kind);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        silent.Stop();
        accepted.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task SlowCommand_TimesOut_AndTheNextCommandStillRuns()
    {
        // 3 s: long enough for a quick command on a loaded 2-core machine, far below the sleep.
        await using var shell = Shell(commandTimeout: TimeSpan.FromSeconds(3));
        var ex = await Assert.ThrowsAsync<TargetException>(() => shell.RunAsync(["sleep", "60"], CancellationToken.None));
        Assert.Equal(TargetErrorKind.Timeout, ex.Error.Kind);
        Assert.Equal(0, (await shell.RunAsync(["true"], CancellationToken.None)).ExitCode);
    }

    private SshRemoteShell Shell(string? knownHosts = null, string? key = null, SshDestination? destination = null, TimeSpan? connectTimeout = null, TimeSpan? commandTimeout = null) =>
        new(new SshSettings(
            destination ?? new SshDestination(_sshd.User, "127.0.0.1", _sshd.Port),
            key ?? _sshd.ClientKey,
            knownHosts ?? _dir.File("known_hosts"),
            connectTimeout ?? TimeSpan.FromSeconds(5),
            commandTimeout ?? TimeSpan.FromSeconds(10)));
}
