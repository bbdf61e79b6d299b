using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace HaWitness.TestSupport;

/// <summary>Which login an <see cref="SshdFixture"/> accepts, and so which shell runs every remote command.</summary>
public enum SshdLogin
{
    /// <summary>The current user, with its own shell and start-up files (root's ~/.bashrc here runs pyenv).</summary>
    CurrentUser,

    /// <summary>
    /// A uid-0 login whose shell is /bin/sh and whose home is an empty directory: the cheap target
    /// login the docs recommend. It exists only for this sshd, which runs in a private mount
    /// namespace where a copy of /etc/passwd with that extra line is bind-mounted (root only).
    /// </summary>
    CleanShell,
}

/// <summary>
/// A real OpenSSH server on 127.0.0.1 and a free port: key authentication only, for one login
/// (<see cref="SshdLogin"/>), with a host key and a client key made by ssh-keygen in a temporary
/// directory. Disposing kills that sshd by its PID and removes the directory.
/// </summary>
public sealed class SshdFixture : IAsyncDisposable
{
    /// <summary>The <see cref="SshdLogin.CleanShell"/> login's name.</summary>
    public const string CleanUser = "hawitness-clean";

    private readonly TempDir _dir;
    private readonly SshdLogin _login;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private SshdFixture(TempDir dir, SshdLogin login)
    {
        _dir = dir;
        _login = login;
        User = login == SshdLogin.CleanShell ? CleanUser : Environment.UserName;
    }

    public int Port { get; private set; }

    public string User { get; }

    public SshdLogin Login => _login;

    /// <summary><c>USER@127.0.0.1:PORT</c>.</summary>
    public string Destination => string.Create(CultureInfo.InvariantCulture, $"{User}@127.0.0.1:{Port}");

    /// <summary>The private key the server accepts.</summary>
    public string ClientKey => _dir.File("id_ed25519");

    /// <summary>A private key the server does not accept.</summary>
    public string StrangerKey => _dir.File("stranger_ed25519");

    /// <summary>The server's public host key line (<c>ssh-ed25519 AAAA... comment</c>).</summary>
    public string HostPublicKey => File.ReadAllText(_dir.File("host_ed25519.pub")).Trim();

    public string Directory => _dir.Path;

    public string Log => string.Join('\n', _log);

    public static async Task<SshdFixture> StartAsync(SshdLogin login = SshdLogin.CurrentUser)
    {
        var fixture = new SshdFixture(new TempDir("hawitness-sshd"), login);
        try
        {
            await fixture.StartCoreAsync();
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Posix.Signal(_process.Id, Posix.SIGKILL);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task StartCoreAsync()
    {
        foreach (var name in new[] { "host_ed25519", "id_ed25519", "stranger_ed25519" })
        {
            await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hawitness-test", "-f", _dir.File(name));
        }

        File.Copy(_dir.File("id_ed25519.pub"), _dir.File("authorized_keys"));
        System.IO.Directory.CreateDirectory("/run/sshd");
        if (_login == SshdLogin.CleanShell)
        {
            if (Environment.UserName != "root")
            {
                throw new InvalidOperationException("SshdLogin.CleanShell needs root (a private mount namespace, a uid-0 login)");
            }

            System.IO.Directory.CreateDirectory(_dir.File("clean-home"));
            await File.WriteAllTextAsync(_dir.File("passwd"),
                await File.ReadAllTextAsync("/etc/passwd") + $"{CleanUser}:x:0:0:HaWitness test clean login:{_dir.File("clean-home")}:/bin/sh\n");
        }

        Exception? last = null;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            Port = FreePort.Tcp();
            string config = _dir.File("sshd_config");
            await File.WriteAllTextAsync(config, string.Join('\n',
                $"Port {Port}",
                "ListenAddress 127.0.0.1",
                $"HostKey {_dir.File("host_ed25519")}",
                $"AuthorizedKeysFile {_dir.File("authorized_keys")}",
                $"PidFile {_dir.File("sshd.pid")}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                "MaxStartups 50",
                "MaxSessions 50",
                "LogLevel INFO",
                string.Empty));
            // CleanShell: unshare and sh exec into sshd, so the PID is sshd's.
            string[] argv = _login == SshdLogin.CleanShell
                ? ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                   "mount --bind \"$1\" /etc/passwd && exec /usr/sbin/sshd -D -e -f \"$2\"", "hawitness-sshd", _dir.File("passwd"), config]
                : ["/usr/sbin/sshd", "-D", "-e", "-f", config];
            var psi = new ProcessStartInfo(argv[0])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in argv[1..])
            {
                psi.ArgumentList.Add(a);
            }

            _process = Process.Start(psi)!;
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            for (int i = 0; i < 250 && !_process.HasExited; i++)
            {
                if (await AcceptsAsync(Port))
                {
                    return;
                }

                await Task.Delay(20);
            }

            last = new InvalidOperationException($"sshd on port {Port} did not come up: {Log}");
            if (!_process.HasExited)
            {
                Posix.Signal(_process.Id, Posix.SIGKILL);
            }

            _process.WaitForExit(5000);
            _process.Dispose();
            _process = null;
        }

        throw last!;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var c = new TcpClient();
        try
        {
            await c.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
