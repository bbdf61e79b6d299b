using System.ComponentModel;
using System.Diagnostics;

namespace HaWitness.Hypervisors.Calls;

/// <summary>What a finished child process printed.</summary>
internal sealed record ProcessOutput(int ExitCode, string StdOut, string StdErr);

/// <summary>
/// Runs a hypervisor tool as an argument vector (never a shell string), bounded by the call
/// timeout: a tool still running then is killed (it is our child, killed by its own PID).
/// </summary>
internal static class ProcessRunner
{
    public static async Task<HvResult<ProcessOutput>> RunAsync(string fileName, IReadOnlyList<string> args, CallGate gate, string what, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["LC_ALL"] = "C";
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return HvResult<ProcessOutput>.Fail(HypervisorErrorKind.LibraryMissing, $"{what}: cannot run {fileName}: {ex.Message}");
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var run = WaitAsync(process, stdout, stderr);
        HvResult<ProcessOutput> result;
        try
        {
            result = await gate.WithTimeoutAsync(what, run, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync(process, run).ConfigureAwait(false);
            throw;
        }

        if (!result.IsOk)
        {
            await KillAsync(process, run).ConfigureAwait(false);
        }

        return result;
    }

    private static async Task<HvResult<ProcessOutput>> WaitAsync(Process process, Task<string> stdout, Task<string> stderr)
    {
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        return new ProcessOutput(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static async Task KillAsync(Process process, Task run)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        // Let the wait finish before the Process is disposed.
        await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
    }
}
