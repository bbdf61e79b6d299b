using HaWitness.Cluster.Join;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Cluster.Tests.Join;

/// <summary>The token's expiry and rotation, on a fake clock.</summary>
public sealed class JoinTokenTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Check_BeforeTheExpiry_IsValid_FromTheExpiryOn_IsExpired()
    {
        var token = new JoinToken(_dir.Path, _time);
        string value = token.Rotate(_time.GetUtcNow().AddHours(1));

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(JoinTokenCheck.Valid, token.Check(value));
        Assert.True(token.Verify(value));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(JoinTokenCheck.Expired, token.Check(value));
        Assert.False(token.Verify(value));
        // "Expired" is said only to whoever has the token.
        Assert.Equal(JoinTokenCheck.Wrong, token.Check(value + "x"));
    }

    [Fact]
    public void Rotate_TheOldTokenIsWrong_AndAnExpiryGoesWithTheTokenItWasSetFor()
    {
        var token = new JoinToken(_dir.Path, _time);
        string old = token.Rotate(_time.GetUtcNow().AddMinutes(5));
        string fresh = token.Rotate();

        Assert.Equal(JoinTokenCheck.Wrong, token.Check(old));
        Assert.Null(token.ExpiresAt());
        _time.Advance(TimeSpan.FromDays(400));
        Assert.Equal(JoinTokenCheck.Valid, token.Check(fresh));
    }

    [Fact]
    public void DamagedExpiryFile_CountsAsExpired()
    {
        var token = new JoinToken(_dir.Path, _time);
        string value = token.GetOrCreate();
        File.WriteAllText(Path.Combine(_dir.Path, JoinToken.ExpiryFileName), "next tuesday\n");

        Assert.Equal(JoinTokenCheck.Expired, token.Check(value));
    }

    [Fact]
    public void ExpiryFile_IsReadableByTheOwnerOnly()
    {
        new JoinToken(_dir.Path, _time).Rotate(_time.GetUtcNow().AddDays(1));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir.Path, JoinToken.ExpiryFileName)));
    }
}
