using HaWitness.TestSupport;

namespace HaWitness.Lab.Tests.Secrets;

/// <summary>
/// Secrets do not travel in clear: the appliance serves HTTPS off loopback with its self-signed
/// certificate, the agent pins that certificate before it sends its token, and the token comes
/// from a file, stdin or a join string, expires and rotates. Real processes, loopback only.
/// </summary>
public sealed class SecretsLabTests : IDisposable
{
    private static readonly TimeSpan Join = TimeSpan.FromSeconds(60);
    private readonly HttpsApplianceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task AgentWithThePinnedFingerprint_JoinsOverHttps_WithTheTokenFromAFile()
    {
        await _lab.StartAsync();
        Assert.Contains(_lab.Appliance!.StdOut.Concat(_lab.Appliance.StdErr), l => l.Contains("HTTPS certificate SHA-256 " + _lab.Fingerprint, StringComparison.Ordinal));
        string tokenFile = _lab.File("token");
        await File.WriteAllTextAsync(tokenFile, _lab.Token + "\n");

        var agent = _lab.StartAgent("host-a", "--witness", _lab.Url, "--witness-fingerprint", _lab.Fingerprint.Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant(),
            "--join-token-file", tokenFile);

        await agent.WaitForLineAsync(l => l.Contains("Admitted (generation", StringComparison.Ordinal), Join);
        var row = await _lab.WaitForJoinRowAsync("host-a", Join);
        Assert.Equal("Succeeded", row.Outcome);
    }

    [Fact]
    public async Task AgentWithAWrongFingerprint_RefusesToSendItsToken_AndExits()
    {
        await _lab.StartAsync();
        var agent = _lab.StartAgent("host-x", "--witness", _lab.Url, "--witness-fingerprint", HttpsApplianceLab.WrongFingerprint(_lab.Fingerprint),
            "--join-token", _lab.Token);

        Assert.Equal(1, await agent.WaitForExitAsync(Join));
        Assert.Contains("certificate pin mismatch", agent.AllOutput, StringComparison.Ordinal);
        Assert.Contains(_lab.Fingerprint, agent.AllOutput, StringComparison.Ordinal);
        // The request never left the agent: the appliance saw no join at all, not even a refused one.
        Assert.Empty(_lab.Joins());
        Assert.DoesNotContain("host-x", _lab.Appliance!.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentWithoutAPin_OverHttps_RefusesTheUntrustedCertificate_AndSaysHowToPin()
    {
        await _lab.StartAsync();
        var agent = _lab.StartAgent("host-y", "--witness", _lab.Url, "--join-token", _lab.Token);

        Assert.Equal(1, await agent.WaitForExitAsync(Join));
        Assert.Contains("is not trusted here", agent.AllOutput, StringComparison.Ordinal);
        Assert.Contains("--witness-fingerprint", agent.AllOutput, StringComparison.Ordinal);
        Assert.Empty(_lab.Joins());
    }

    [Fact]
    public async Task TokenFromStdin_AndJoinStringFromStdin_BothJoin()
    {
        await _lab.StartAsync();
        var byToken = _lab.StartAgent("host-a", "--witness", _lab.Url, "--witness-fingerprint", _lab.Fingerprint, "--join-token-file", "-");
        await byToken.StandardInput.WriteLineAsync(_lab.Token);
        await byToken.StandardInput.FlushAsync();
        var byJoinString = _lab.StartAgent("host-b", "--join-file", "-");
        await byJoinString.StandardInput.WriteLineAsync(_lab.JoinString);
        await byJoinString.StandardInput.FlushAsync();

        Assert.Equal("Succeeded", (await _lab.WaitForJoinRowAsync("host-a", Join)).Outcome);
        Assert.Equal("Succeeded", (await _lab.WaitForJoinRowAsync("host-b", Join)).Outcome);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused401_WithAClearMessage_AndJournaled()
    {
        await _lab.StartAsync();
        var (_, stderr) = await _lab.ReadJoinTokenAsync("--rotate", "--expires", "1m");
        Assert.Contains("expires: " + DateTime.UtcNow.AddMinutes(1).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), stderr, StringComparison.Ordinal);
        // The minute passes: the expiry file is what the appliance judges on every join.
        await File.WriteAllTextAsync(Path.Combine(_lab.Data, "join-token.expires"), HttpsApplianceLab.Iso(DateTimeOffset.UtcNow.AddSeconds(-1)) + "\n");

        var agent = _lab.StartAgent("host-e", "--join", _lab.JoinString);

        Assert.Equal(1, await agent.WaitForExitAsync(Join));
        Assert.Contains("401 token_expired", agent.AllOutput, StringComparison.Ordinal);
        Assert.Contains("hawitness join-token --rotate", agent.AllOutput, StringComparison.Ordinal);
        var row = await _lab.WaitForJoinRowAsync("host-e", Join);
        Assert.Equal("Refused", row.Outcome);
        Assert.Contains("join token expired", row.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotatedToken_TheOldOneIsRefused_TheNewOneJoins()
    {
        await _lab.StartAsync();
        string old = _lab.Token;
        await _lab.ReadJoinTokenAsync("--rotate");
        Assert.NotEqual(old, _lab.Token);

        var stale = _lab.StartAgent("host-old", "--witness", _lab.Url, "--witness-fingerprint", _lab.Fingerprint, "--join-token", old);
        Assert.Equal(1, await stale.WaitForExitAsync(Join));
        Assert.Contains("401 bad_token", stale.AllOutput, StringComparison.Ordinal);
        Assert.Equal("Refused", (await _lab.WaitForJoinRowAsync("host-old", Join)).Outcome);

        var fresh = _lab.StartAgent("host-new", "--join", _lab.JoinString);
        Assert.Equal("Succeeded", (await _lab.WaitForJoinRowAsync("host-new", Join)).Outcome);
        Assert.False(fresh.HasExited);
    }
}
