using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HaWitness.TestSupport;

/// <summary>
/// A program under test run as a real child process, its output captured line by line.
/// Disposing kills it (by its PID) if it still runs.
/// </summary>
public sealed partial class TestProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private TestProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyCollection<string> StdOut => _stdout;

    public IReadOnlyCollection<string> StdErr => _stderr;

    /// <summary>The program's stdin (for secrets a test pipes in, as an operator would).</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    public string AllOutput => string.Join('\n', _stdout) + "\n" + string.Join('\n', _stderr);

    public static TestProcess Start((string FileName, IReadOnlyList<string> Prefix) program, IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(program.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in program.Prefix.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        // Keep an operator's own config out of the tests.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("HAWITNESS_", StringComparison.Ordinal) && !k.StartsWith("HAWITNESS_TEST_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var tp = new TestProcess(p);
        p.OutputDataReceived += (_, e) => tp.OnLine(tp._stdout, e.Data);
        p.ErrorDataReceived += (_, e) => tp.OnLine(tp._stderr, e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return tp;
    }

    /// <summary>Runs to completion and returns the exit code (kills it after <paramref name="timeout"/>).</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync((string FileName, IReadOnlyList<string> Prefix) program, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null)
    {
        using var p = Start(program, args, env);
        int code = await p.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return (code, string.Join('\n', p._stdout), string.Join('\n', p._stderr));
    }

    /// <summary>Waits for a line on stdout or stderr matching <paramref name="predicate"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var hit = _stdout.Concat(_stderr).FirstOrDefault(predicate);
            if (hit is not null)
            {
                return hit;
            }

            if (_process.HasExited)
            {
                // Let the last lines drain before giving up.
                _process.WaitForExit();
                hit = _stdout.Concat(_stderr).FirstOrDefault(predicate);
                return hit ?? throw new InvalidOperationException($"process exited ({_process.ExitCode}) before the expected line; output:\n{AllOutput}");
            }

            try
            {
                await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching line within {timeout}; output:\n{AllOutput}");
            }
        }
    }

    /// <summary>Waits for Kestrel's "Now listening on: URL" and returns the URL (start with port 0).</summary>
    public async Task<Uri> WaitForListeningAsync(TimeSpan? timeout = null)
    {
        string line = await WaitForLineAsync(l => l.Contains("Now listening on: ", StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(30));
        return new Uri(ListeningRegex().Match(line).Groups[1].Value);
    }

    public void Signal(int signal) => Posix.Signal(_process.Id, signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"process {Pid} still running after {timeout}; output:\n{AllOutput}");
        }

        _process.WaitForExit(); // drains the output handlers
        return _process.ExitCode;
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            Signal(Posix.SIGKILL);
            _process.WaitForExit(5000);
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void OnLine(ConcurrentQueue<string> queue, string? line)
    {
        if (line is null)
        {
            return;
        }

        queue.Enqueue(line);
        _lineArrived.Release();
    }

    [GeneratedRegex(@"Now listening on: (\S+)")]
    private static partial Regex ListeningRegex();
}
