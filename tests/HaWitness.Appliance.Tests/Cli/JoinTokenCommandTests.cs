using HaWitness.Cluster.Join;
using HaWitness.TestSupport;

namespace HaWitness.Appliance.Tests.Cli;

/// <summary><c>hawitness join-token</c>: stdout stays the token alone (scripts capture it); expiry and join string.</summary>
public sealed class JoinTokenCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<(int ExitCode, string StdOut, string StdErr)> Run(params string[] args) =>
        TestProcess.RunAsync(Binaries.Appliance, ["join-token", "--data", _dir.File("data"), .. args]);

    [Fact]
    public async Task JoinToken_PrintsTheTokenAloneOnStdout_AndTheDetailsOnStderr()
    {
        var (code, stdout, stderr) = await Run();

        Assert.Equal(0, code);
        string token = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
        Assert.Equal(token, (await File.ReadAllTextAsync(_dir.File("data/join-token"))).Trim());
        Assert.Contains("expires: never", stderr, StringComparison.Ordinal);
        // The embedded default URL is loopback http: a join string without a fingerprint, no certificate made.
        Assert.Contains("appliance certificate: none", stderr, StringComparison.Ordinal);
        string join = stderr.Split('\n').Single(l => l.StartsWith(JoinString.Prefix, StringComparison.Ordinal));
        Assert.True(JoinString.TryParse(join, out var parts, out _));
        Assert.Equal(new JoinStringParts("http://127.0.0.1:8080", null, token), parts);
        Assert.False(Directory.Exists(_dir.File("data/https")));
    }

    [Fact]
    public async Task JoinToken_ExpiresAlone_SetsTheCurrentTokensExpiry_In0600_AndNeverRemovesIt()
    {
        var (_, first, _) = await Run();
        var (code, second, stderr) = await Run("--expires", "2h");

        Assert.Equal(0, code);
        Assert.Equal(first, second);
        Assert.Contains("expires: " + DateTime.UtcNow.AddHours(2).ToString("yyyy-MM-dd HH:", System.Globalization.CultureInfo.InvariantCulture), stderr, StringComparison.Ordinal);
        string file = _dir.File("data/" + JoinToken.ExpiryFileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        Assert.Equal(0, (await Run("--expires", "never")).ExitCode);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task JoinToken_RotateWithoutExpires_DropsTheOldExpiry()
    {
        await Run("--expires", "1h");
        var (code, _, stderr) = await Run("--rotate");

        Assert.Equal(0, code);
        Assert.Contains("expires: never", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("data/" + JoinToken.ExpiryFileName)));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("30s")]
    [InlineData("400d")]
    [InlineData("-5m")]
    [InlineData("1w")]
    public async Task JoinToken_BadExpires_ExitsTwo_AndChangesNothing(string value)
    {
        var (code, _, stderr) = await Run("--expires", value);

        Assert.Equal(2, code);
        Assert.Contains("--expires", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("data")));
    }

    [Fact]
    public async Task JoinToken_JoinStringOption_PrintsOnlyTheJoinString_WithTheHttpsFingerprint()
    {
        var (code, stdout, _) = await Run("--url", "https://10.0.0.5:8443", "--join-string");

        Assert.Equal(0, code);
        Assert.True(JoinString.TryParse(stdout, out var parts, out string error), error);
        Assert.Equal("https://10.0.0.5:8443", parts.Url);
        Assert.NotNull(parts.Fingerprint);
        Assert.Equal((await File.ReadAllTextAsync(_dir.File("data/join-token"))).Trim(), parts.Token);
    }

    [Fact]
    public async Task JoinToken_WithTheOperatorsOwnCertificate_PinsNothing_SoACaRenewalCutsNoAgentOff()
    {
        // A certificate the operator supplies (as a CA would issue it): PEM certificate with its key.
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=appliance.example", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(90));
        await File.WriteAllTextAsync(_dir.File("tls.pem"), cert.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem());

        var (code, stdout, stderr) = await TestProcess.RunAsync(Binaries.Appliance,
            ["join-token", "--data", _dir.File("data"), "--url", "https://10.0.0.5:8443", "--join-string"],
            env: new Dictionary<string, string> { ["HAWITNESS_Http__CertificateFile"] = _dir.File("tls.pem") });

        Assert.True(code == 0, stderr);
        Assert.True(JoinString.TryParse(stdout, out var parts, out string error), error);
        Assert.Equal("https://10.0.0.5:8443", parts.Url);
        Assert.Null(parts.Fingerprint);
    }
}
