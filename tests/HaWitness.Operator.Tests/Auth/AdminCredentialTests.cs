using HaWitness.Operator.Auth;
using HaWitness.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace HaWitness.Operator.Tests.Auth;

public sealed class AdminCredentialTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Hash_VerifiesTheRightPassword_AndRejectsOthersAndDamagedValues()
    {
        string stored = PasswordHash.Hash("correct horse battery", iterations: 1000);

        Assert.StartsWith("pbkdf2-sha256$1000$", stored, StringComparison.Ordinal);
        Assert.True(PasswordHash.Verify("correct horse battery", stored));
        Assert.False(PasswordHash.Verify("correct horse batterY", stored));
        Assert.False(PasswordHash.Verify("correct horse battery", stored.Replace("$1000$", "$1001$", StringComparison.Ordinal)));
        Assert.False(PasswordHash.Verify("x", "plain-text-password"));
        Assert.False(PasswordHash.Verify("x", "pbkdf2-sha256$1000$!!!$!!!"));
        Assert.NotEqual(stored, PasswordHash.Hash("correct horse battery", iterations: 1000)); // salted
    }

    [Fact]
    public void FirstStart_CreatesAHashedFileReadableOnlyByTheOwner_AndShowsThePasswordOnce()
    {
        var credential = new AdminCredential(_dir.Path);

        string? password = credential.EnsureCreated();

        Assert.NotNull(password);
        Assert.Equal(24, password.Length);
        Assert.Null(credential.EnsureCreated());
        string text = File.ReadAllText(credential.FilePath);
        Assert.DoesNotContain(password, text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credential.FilePath));
        Assert.True(credential.Verify(password));
        Assert.False(credential.Verify(password + "x"));
        Assert.False(credential.Verify(string.Empty));
    }

    [Fact]
    public void Rotation_ByAnotherProcessWritingTheFile_IsSeenOnTheNextCheck_AndEndsSessions()
    {
        var running = new AdminCredential(_dir.Path);
        running.Set("first-password-123");
        var sessions = new SessionStore(running, new FakeTimeProvider(), TimeSpan.FromHours(1));
        var (id, _) = sessions.Create();
        Assert.True(running.Verify("first-password-123"));
        Assert.NotNull(sessions.Find(id));

        new AdminCredential(_dir.Path).Set("second-password-456"); // hawitness admin-password

        Assert.False(running.Verify("first-password-123"));
        Assert.True(running.Verify("second-password-456"));
        Assert.Null(sessions.Find(id));
    }

    [Fact]
    public void Sessions_EndAfterIdleTime_AndCarryTheirOwnCsrfToken()
    {
        var time = new FakeTimeProvider();
        var credential = new AdminCredential(_dir.Path);
        credential.Set("first-password-123");
        var sessions = new SessionStore(credential, time, TimeSpan.FromMinutes(10));
        var (a, sa) = sessions.Create();
        var (b, sb) = sessions.Create();

        Assert.NotEqual(a, b);
        Assert.NotEqual(sa.Csrf, sb.Csrf);
        Assert.True(SessionStore.CsrfMatches(sa, sa.Csrf));
        Assert.False(SessionStore.CsrfMatches(sa, sb.Csrf));
        Assert.False(SessionStore.CsrfMatches(sa, null));

        time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(sessions.Find(a)); // use restarts the idle time
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(sessions.Find(a));
        Assert.Null(sessions.Find(b));
        sessions.Remove(a);
        Assert.Null(sessions.Find(a));
        Assert.Null(sessions.Find("not-a-session"));
    }
}
