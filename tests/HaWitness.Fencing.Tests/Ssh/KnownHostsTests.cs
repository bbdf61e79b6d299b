using HaWitness.Fencing.Ssh;
using HaWitness.TestSupport;

namespace HaWitness.Fencing.Tests.Ssh;

public sealed class KnownHostsTests : IDisposable
{
    private static readonly byte[] KeyA = [0, 0, 0, 11, .. "ssh-ed25519"u8, 1, 2, 3];
    private static readonly byte[] KeyB = [0, 0, 0, 11, .. "ssh-ed25519"u8, 9, 9, 9];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void UnknownHost_IsPinned_ThenTrusted_PortTwentyTwoWithoutBrackets()
    {
        var kh = new KnownHosts(_dir.File("ssh/known_hosts"));
        Assert.Equal(HostKeyVerdict.PinnedNow, kh.Check("10.0.0.1", 22, "ssh-ed25519", KeyA, out _));
        Assert.Equal(HostKeyVerdict.Trusted, kh.Check("10.0.0.1", 22, "ssh-ed25519", KeyA, out _));
        Assert.Equal(HostKeyVerdict.PinnedNow, kh.Check("10.0.0.1", 2222, "ssh-ed25519", KeyB, out _));
        Assert.Equal(
            ["10.0.0.1 ssh-ed25519 " + Convert.ToBase64String(KeyA), "[10.0.0.1]:2222 ssh-ed25519 " + Convert.ToBase64String(KeyB)],
            File.ReadAllLines(_dir.File("ssh/known_hosts")));
    }

    [Fact]
    public void KnownHost_WithAnotherKey_IsAMismatch_AndTheFileIsNotChanged()
    {
        string path = _dir.File("known_hosts");
        File.WriteAllText(path, "# comment\n|1|hashed= ssh-ed25519 AAAA\nother,10.0.0.1 ssh-ed25519 " + Convert.ToBase64String(KeyA) + "\n");
        byte[] before = File.ReadAllBytes(path);
        var kh = new KnownHosts(path);

        Assert.Equal(HostKeyVerdict.Mismatch, kh.Check("10.0.0.1", 22, "ssh-ed25519", KeyB, out var pinned));
        Assert.Equal(["ssh-ed25519 " + KnownHosts.Fingerprint(KeyA)], pinned);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(HostKeyVerdict.Mismatch, kh.Check("10.0.0.1", 22, "ecdsa-sha2-nistp256", KeyB, out _));
    }

    [Fact]
    public async Task HashedLines_FromSshKeygen_AreHonoured_ForPortTwentyTwoAndOtherPorts()
    {
        string path = _dir.File("known_hosts");
        File.WriteAllText(path,
            "10.0.0.1 ssh-ed25519 " + Convert.ToBase64String(KeyA) + "\n[10.0.0.2]:2222 ssh-ed25519 " + Convert.ToBase64String(KeyA) + "\n");
        var (code, stdout, stderr) = await ProcessRunner.RunAsync("ssh-keygen", ["-H", "-f", path]);
        Assert.True(code == 0, stdout + stderr);
        Assert.All(File.ReadAllLines(path), l => Assert.StartsWith("|1|", l, StringComparison.Ordinal));
        byte[] hashed = File.ReadAllBytes(path);
        var kh = new KnownHosts(path);

        Assert.Equal(HostKeyVerdict.Trusted, kh.Check("10.0.0.1", 22, "ssh-ed25519", KeyA, out _));
        Assert.Equal(HostKeyVerdict.Trusted, kh.Check("10.0.0.2", 2222, "ssh-ed25519", KeyA, out _));
        Assert.Equal(HostKeyVerdict.Mismatch, kh.Check("10.0.0.1", 22, "ssh-ed25519", KeyB, out var pinned));
        Assert.Equal(["ssh-ed25519 " + KnownHosts.Fingerprint(KeyA)], pinned);
        Assert.Equal(HostKeyVerdict.Mismatch, kh.Check("10.0.0.2", 2222, "ssh-ed25519", KeyB, out _));
        Assert.Equal(hashed, File.ReadAllBytes(path));
        // The same address on another port is another host, as for ssh.
        Assert.Equal(HostKeyVerdict.PinnedNow, kh.Check("10.0.0.2", 22, "ssh-ed25519", KeyB, out _));
    }

    [Fact]
    public void Fingerprint_IsOpenSshStyle() =>
        Assert.Matches("^SHA256:[A-Za-z0-9+/]{43}$", KnownHosts.Fingerprint(KeyA));
}
