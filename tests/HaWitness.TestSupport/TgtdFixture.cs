using System.Diagnostics;
using System.Globalization;

namespace HaWitness.TestSupport;

/// <summary>
/// A real tgtd on 127.0.0.1 with its own control number (<c>-C</c>) and iSCSI port, both picked
/// free, with file-backed LUNs in a temporary directory. Disposing kills that tgtd by its PID and
/// removes the directory. Several run side by side.
/// </summary>
public sealed class TgtdFixture : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDir _dir;

    private TgtdFixture(Process process, TempDir dir, int controlPort, int port)
    {
        _process = process;
        _dir = dir;
        ControlPort = controlPort;
        Port = port;
    }

    public int ControlPort { get; }

    public int Port { get; }

    public string Portal => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public string Directory => _dir.Path;

    public int Pid => _process.Id;

    public static async Task<TgtdFixture> StartAsync()
    {
        var dir = new TempDir("hawitness-tgtd");
        Exception? last = null;
        for (int attempt = 0; attempt < 8; attempt++)
        {
            int control = Random.Shared.Next(1_000, 32_768); // tgtd accepts -C 0..32767
            int port = FreePort.Tcp();
            // A taken control number answers already: pick another.
            if ((await ProcessRunner.RunAsync("tgtadm", ["-C", control.ToString(CultureInfo.InvariantCulture), "--op", "show", "--mode", "sys"])).ExitCode == 0)
            {
                continue;
            }

            var psi = new ProcessStartInfo("tgtd")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { "-f", "-C", control.ToString(CultureInfo.InvariantCulture), "--iscsi", $"portal=127.0.0.1:{port}" })
            {
                psi.ArgumentList.Add(a);
            }

            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            var fixture = new TgtdFixture(p, dir, control, port);
            for (int i = 0; i < 250 && !p.HasExited; i++)
            {
                if ((await fixture.TryAdmAsync("--op", "show", "--mode", "sys")).ExitCode == 0 && await PortOpenAsync(port))
                {
                    return fixture;
                }

                await Task.Delay(20);
            }

            last = new InvalidOperationException($"tgtd -C {control} on port {port} did not come up (exited: {p.HasExited})");
            fixture.Kill();
        }

        dir.Dispose();
        throw last ?? new InvalidOperationException("no free tgtd control number found");
    }

    /// <summary>Runs <c>tgtadm -C N --lld iscsi ARGS</c> locally; throws on a non-zero exit.</summary>
    public async Task<string> AdmAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryAdmAsync(args);
        return code == 0 ? stdout : throw new InvalidOperationException($"tgtadm {string.Join(' ', args)} exited {code}: {stderr}");
    }

    public Task<(int ExitCode, string StdOut, string StdErr)> TryAdmAsync(params string[] args) =>
        ProcessRunner.RunAsync("tgtadm", ["-C", ControlPort.ToString(CultureInfo.InvariantCulture), "--lld", "iscsi", .. args]);

    /// <summary>Creates target <paramref name="tid"/> with LUN 1 backed by a new sparse file; returns the file.</summary>
    public async Task<string> CreateTargetAsync(int tid, string iqn, long sizeBytes = 16 << 20)
    {
        string file = Path.Combine(Directory, $"lun-{tid}.img");
        await using (var f = File.Create(file))
        {
            f.SetLength(sizeBytes);
        }

        string t = tid.ToString(CultureInfo.InvariantCulture);
        await AdmAsync("--op", "new", "--mode", "target", "--tid", t, "--targetname", iqn);
        await AdmAsync("--op", "new", "--mode", "logicalunit", "--tid", t, "--lun", "1", "--backing-store", file, "--bstype", "rdwr");
        return file;
    }

    public Task BindAsync(int tid, string initiator) =>
        AdmAsync("--op", "bind", "--mode", "target", "--tid", tid.ToString(CultureInfo.InvariantCulture), "--initiator-name", initiator);

    /// <summary>Kills this tgtd (SIGKILL by PID) and waits for it, keeping the directory (for a restart test).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            Posix.Signal(_process.Id, Posix.SIGKILL);
            _process.WaitForExit(5000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<bool> PortOpenAsync(int port)
    {
        using var c = new System.Net.Sockets.TcpClient();
        try
        {
            await c.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
