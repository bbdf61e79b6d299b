using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace HaWitness.Failover.Alarms;

/// <summary>One way of delivering an alarm; returns null when delivered, the error otherwise. Never throws.</summary>
internal interface IAlarmChannel
{
    string Name { get; }

    Task<string?> DeliverAsync(AlarmPayload alarm, CancellationToken cancellationToken);
}

/// <summary>POSTs the alarm as JSON; any 2xx counts as delivered.</summary>
internal sealed class WebhookChannel(HttpClient http, Uri url) : IAlarmChannel
{
    public string Name => "webhook " + url.GetLeftPart(UriPartial.Path);

    public async Task<string?> DeliverAsync(AlarmPayload alarm, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync(url, alarm, FailoverJson.Default.AlarmPayload, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "timed out";
        }
    }
}

/// <summary>Runs the configured program with its fixed arguments (no shell); the alarm JSON goes to its stdin. Exit 0 counts as delivered.</summary>
internal sealed class CommandChannel(IReadOnlyList<string> argv, TimeSpan timeout) : IAlarmChannel
{
    public string Name => "command " + argv[0];

    public async Task<string?> DeliverAsync(AlarmPayload alarm, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HAWITNESS_ALARM_KIND"] = alarm.Kind;
        psi.Environment["HAWITNESS_ALARM_SUBJECT"] = alarm.Subject;
        try
        {
            using var process = Process.Start(psi);
            if (process is null)
            {
                return "could not start " + argv[0];
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
            var stderr = process.StandardError.ReadToEndAsync(cts.Token);
            try
            {
                await process.StandardInput.WriteAsync(JsonSerializer.Serialize(alarm, FailoverJson.Default.AlarmPayload).AsMemory(), cts.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // the hook does not read its stdin (or exited already): its exit code decides
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // out of time while writing: the wait below says so
            }

            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return $"{argv[0]} did not finish within {timeout.TotalSeconds:0.#} s";
            }

            string err = string.Empty;
            try
            {
                await stdout.ConfigureAwait(false);
                err = (await stderr.ConfigureAwait(false)).Trim();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // It exited, but its output was still open when the time ran out (a loaded machine,
                // or a child of the hook holding the pipe): its exit code decides, as always.
            }

            return process.ExitCode == 0 ? null : $"{argv[0]} exited with {process.ExitCode}{(err.Length > 0 ? ": " + err[..Math.Min(err.Length, 200)] : string.Empty)}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"cannot run {argv[0]}: {ex.Message}";
        }
        catch (IOException ex)
        {
            return $"{argv[0]}: {ex.Message}";
        }
    }
}
