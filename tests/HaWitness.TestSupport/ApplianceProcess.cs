namespace HaWitness.TestSupport;

/// <summary>The appliance as a real process on loopback, the way the operators' tests start it.</summary>
public static class ApplianceProcess
{
    /// <summary>
    /// Starts <c>hawitness serve</c> on <paramref name="data"/> with a free Raft port, and waits for its URL and
    /// the admin password it prints at first start. The caller disposes the process.
    /// </summary>
    public static async Task<(Uri Url, string Password, TestProcess App)> ServeAsync(string data, string urls = "http://127.0.0.1:0", IDictionary<string, string>? env = null)
    {
        var app = TestProcess.Start(Binaries.Appliance, ["serve", "--data", data, "--urls", urls, "--raft", $"127.0.0.1:{FreePort.Tcp()}"], env);
        try
        {
            var url = await app.WaitForListeningAsync();
            string line = await app.WaitForLineAsync(l => l.StartsWith("hawitness: admin password", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            return (url, line[(line.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].Trim(), app);
        }
        catch
        {
            app.Dispose();
            throw;
        }
    }
}
