using HaWitness.Cluster.Join;

namespace HaWitness.Cluster.Tests.Join;

/// <summary>The copy-paste join string: what goes in comes out, and damage is named.</summary>
public sealed class JoinStringTests
{
    private const string Fingerprint = "1A:ED:C3:48:CD:D9:7B:25:6F:D5:56:7F:99:24:BF:F2:31:9E:2F:BA:DC:C2:66:34:11:89:BA:28:76:3A:A0:14";

    [Fact]
    public void Format_ThenParse_GivesBackUrlFingerprintAndToken()
    {
        string s = JoinString.Format("https://10.0.0.1:8443/", Fingerprint, "tok-0123456789abcdef");

        Assert.StartsWith("hawitness-join:v1:", s, StringComparison.Ordinal);
        Assert.True(JoinString.TryParse(s, out var parts, out string error), error);
        Assert.Equal(new JoinStringParts("https://10.0.0.1:8443", Fingerprint, "tok-0123456789abcdef"), parts);
    }

    [Fact]
    public void HttpUrl_HasNoFingerprint()
    {
        Assert.True(JoinString.TryParse(JoinString.Format("http://127.0.0.1:8080", null, "tok-0123456789abcdef"), out var parts, out _));
        Assert.Null(parts.Fingerprint);
    }

    [Theory]
    [InlineData("tok-0123456789abcdef", "not a join string")]
    [InlineData("hawitness-join:v1:***", "not base64url")]
    [InlineData("hawitness-join:v1:aGVsbG8", "it needs URL|fingerprint|token")]
    [InlineData("hawitness-join:v1:aHR0cHM6Ly94fGFifHQ", "fingerprint is not a SHA-256 fingerprint")]
    public void Damaged_IsRefusedWithTheReason(string text, string expected)
    {
        Assert.False(JoinString.TryParse(text, out _, out string error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
