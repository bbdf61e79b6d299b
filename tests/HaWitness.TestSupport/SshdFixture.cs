using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace HaWitness.TestSupport;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 and a free port: key authentication only, for the current
/// user, with a host key and a client key made by ssh-keygen in a temporary directory. Disposing
/// kills that sshd by its PID and removes the directory.
/// </summary>
public sealed class SshdFixture : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private SshdFixture(TempDir dir)
    {
        _dir = dir;
    }

    public int Port { get; private set; }

    public string User { get; } = Environment.UserName;

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

    public static async Task<SshdFixture> StartAsync()
    {
        var fixture = new SshdFixture(new TempDir("hawitness-sshd"));
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
            var psi = new ProcessStartInfo("/usr/sbin/sshd")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { "-D", "-e", "-f", config })
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
