using System.Diagnostics;

namespace HaWitness.TestSupport;

/// <summary>
/// User-space iSCSI initiators: <c>iscsi-inq</c> (libiscsi; exit 10 = login refused) and
/// <c>qemu-io</c> over libiscsi, one-shot or as a long-lived session fed commands on stdin.
/// </summary>
public static class Initiator
{
    /// <summary>exit code of iscsi-inq when the login is refused.</summary>
    public const int LoginRefused = 10;

    public static async Task<int> InquiryAsync(string initiator, string portal, string target, int lun = 1)
    {
        var (code, _, _) = await ProcessRunner.RunAsync("iscsi-inq", ["-i", initiator, $"iscsi://{portal}/{target}/{lun}"], TimeSpan.FromSeconds(20));
        return code;
    }

    public static string ImageOptions(string initiator, string portal, string target, int lun = 1) =>
        $"driver=raw,file.driver=iscsi,file.transport=tcp,file.portal={portal},file.target={target},file.lun={lun},file.initiator-name={initiator}";

    /// <summary>One write in a fresh session; returns qemu-io's exit code.</summary>
    public static async Task<(int ExitCode, string Output)> WriteOnceAsync(string initiator, string portal, string target, byte pattern, long offset, TimeSpan? timeout = null)
    {
        var (code, stdout, stderr) = await ProcessRunner.RunAsync("qemu-io",
            ["--image-opts", ImageOptions(initiator, portal, target), "-c", $"write -P 0x{pattern:x2} {offset} 4k"], timeout ?? TimeSpan.FromSeconds(20));
        return (code, stdout + stderr);
    }

    /// <summary>Reads 4 bytes of a backing file at <paramref name="offset"/>.</summary>
    public static byte[] Peek(string file, long offset, int count = 4)
    {
        using var f = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        f.Seek(offset, SeekOrigin.Begin);
        var buf = new byte[count];
        f.ReadExactly(buf);
        return buf;
    }
}

/// <summary>A qemu-io process holding one iSCSI session open; commands go to its stdin.</summary>
public sealed class QemuIoSession : IDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private bool _disposed;

    private QemuIoSession(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Output => string.Join('\n', _output);

    public static QemuIoSession Open(string initiator, string portal, string target)
    {
        var psi = new ProcessStartInfo("qemu-io")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("--image-opts");
        psi.ArgumentList.Add(Initiator.ImageOptions(initiator, portal, target));
        var p = Process.Start(psi)!;
        var s = new QemuIoSession(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { s._output.Enqueue(e.Data); } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { s._output.Enqueue(e.Data); } };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return s;
    }

    public void Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    public void Write(byte pattern, long offset) => Send($"write -P 0x{pattern:x2} {offset} 4k");

    /// <summary>Waits until qemu-io reports the write at <paramref name="offset"/> done.</summary>
    public async Task<bool> WaitWrittenAsync(long offset, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_output.Any(l => l.Contains($"bytes at offset {offset}", StringComparison.Ordinal)))
            {
                return true;
            }

            if (_process.HasExited)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return false;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            Posix.Signal(_process.Id, Posix.SIGKILL);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
