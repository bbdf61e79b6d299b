using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;
using HaWitness.TestSupport;
using Xunit.Abstractions;

namespace HaWitness.Appliance.Tests.Cli;

/// <summary>
/// <c>hawitness backup FILE</c> (offline: appliance stopped) and <c>hawitness restore FILE</c> as an
/// operator runs them, on a real data directory with a real journal: a round trip, and archives an
/// attacker or a bad disk hands in (corrupt, cut short, wrong checksum, ../ and absolute names,
/// links), each refused with exit 1 and the target left exactly as it was.
/// </summary>
public sealed class BackupCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task OfflineBackup_RestoresIntoAFreshDirectory_ByteForByte_WithTheJournalRows()
    {
        string data = MakeDataDirectory();
        string archive = _dir.File("b.tar");
        var (code, stdout, stderr) = await Run("backup", archive, "--data", data);
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, code);
        Assert.Contains("taken offline", stdout, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(archive));
        Assert.False(File.Exists(archive + ".tmp"));

        string restored = _dir.File("restored");
        (code, stdout, stderr) = await Run("restore", archive, "--data", restored);
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, code);
        foreach (var name in new[] { "ca.key", "ca.crt", "member-secret", "raft/members.bin", "raft/wal/state", "ssh/id_ed25519" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(data, name)), File.ReadAllBytes(Path.Combine(restored, name)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(restored, name)));
        }

        Assert.False(File.Exists(Path.Combine(restored, ".lock")));
        Assert.False(File.Exists(Path.Combine(restored, HighWaterMark.FileName)));
        using var journal = JournalStore.Open(Path.Combine(restored, JournalStore.FileName));
        Assert.Equal(20, journal.Stats().LastDecisionId);
        Assert.Empty(Directory.GetDirectories(_dir.Path, ".restored.restore-*", SearchOption.TopDirectoryOnly));
    }

    [Fact]
    public async Task Restore_IntoANonEmptyDirectory_RefusesWithoutForce_MovesItAsideWithForce_AndRefusesWhileItIsInUse()
    {
        string archive = await OfflineBackupAsync();
        string target = _dir.File("target");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old-file"), "keep me");

        var (code, _, stderr) = await Run("restore", archive, "--data", target);
        Assert.Equal(1, code);
        Assert.Contains("not empty", stderr, StringComparison.Ordinal);
        Assert.Equal(["old-file"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));

        using (DataDirectory.Acquire(target))
        {
            (code, _, stderr) = await Run("restore", archive, "--data", target, "--force");
            Assert.Equal(1, code);
            Assert.Contains("in use by a running appliance", stderr, StringComparison.Ordinal);
        }

        Assert.Equal("keep me", File.ReadAllText(Path.Combine(target, "old-file")));
        (code, var stdout, stderr) = await Run("restore", archive, "--data", target, "--force");
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, code);
        string aside = Assert.Single(Directory.GetDirectories(_dir.Path, "target.before-restore-*"));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(aside, "old-file")));
        Assert.True(File.Exists(Path.Combine(target, "ca.key")));
    }

    [Fact]
    public async Task Restore_RefusesACorruptByte_ACutArchive_AndAnEditedChecksum_LeavingTheTargetUntouched()
    {
        string archive = await OfflineBackupAsync();
        byte[] good = File.ReadAllBytes(archive);

        // One byte of the key's content changed (the tar's own header checksums stay valid).
        byte[] flipped = (byte[])good.Clone();
        int at = IndexOf(flipped, "PRIVATE KEY"u8.ToArray());
        flipped[at] ^= 0x20;
        await AssertRefusedAsync(flipped, "does not match its checksum");

        // Cut in the middle, and cut just before the manifest.
        await AssertRefusedAsync(good[..(good.Length / 2)], "refused");
        var entries = Read(good);
        await AssertRefusedAsync(Write(entries.Where(e => e.Key != "manifest.json").ToDictionary(StringComparer.Ordinal)), "no manifest.json");

        // The manifest says another hash for the key.
        var manifest = JsonDocument.Parse(entries["manifest.json"]).RootElement.GetRawText();
        string keyHash = Convert.ToHexStringLower(SHA256.HashData(entries["ca.key"]));
        entries["manifest.json"] = Encoding.UTF8.GetBytes(manifest.Replace(keyHash, new string('0', 64), StringComparison.Ordinal));
        await AssertRefusedAsync(Write(entries), "does not match its checksum");
    }

    [Theory]
    [InlineData("../escaped")]
    [InlineData("raft/../../escaped")]
    [InlineData("/tmp/hawitness-escaped")]
    [InlineData("./ca.key")]
    public async Task Restore_RefusesAnEntryOutsideTheDataDirectory_AndWritesNothingThere(string name)
    {
        byte[] evil = "evil"u8.ToArray();
        var parts = new Dictionary<string, byte[]> { ["ca.key"] = "k"u8.ToArray(), [name] = evil };
        await AssertRefusedAsync(Write(parts, withManifest: true), "not a plain relative path");
        Assert.False(File.Exists(_dir.File("escaped")));
        Assert.False(File.Exists("/tmp/hawitness-escaped"));
    }

    [Fact]
    public async Task Restore_RefusesLinksInTheArchive()
    {
        using var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "ca.key") { LinkName = "/etc/shadow" });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "member-secret") { LinkName = "/etc/shadow" });
        }

        await AssertRefusedAsync(stream.ToArray(), "regular files only");
    }

    [Fact]
    public async Task LiveBackup_NeedsTheAdminPassword_AndNoGetServesTheArchive()
    {
        string data = _dir.File("live");
        var (url, password, app) = await ApplianceProcess.ServeAsync(data);
        using (app)
        {
            using var http = new HttpClient { BaseAddress = url };
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.PostAsync("/api/v1/backup", null)).StatusCode);
            var get = await http.GetAsync("/api/v1/backup");
            Assert.NotEqual(System.Net.HttpStatusCode.OK, get.StatusCode);
            Assert.DoesNotContain("PRIVATE KEY", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            string archive = _dir.File("live.tar");
            string wrong = _dir.File("wrong-password");
            File.WriteAllText(wrong, "not-the-password-at-all\n");
            var (code, _, stderr) = await Run("backup", archive, "--data", data, "--url", url.ToString(), "--password-file", wrong);
            Assert.Equal(5, code);
            Assert.Contains("not authorised", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(archive));
            Assert.False(File.Exists(archive + ".tmp"));

            var (ok, stdout, err) = await TestProcess.RunAsync(Binaries.Appliance, ["backup", archive, "--data", data, "--url", url.ToString()],
                env: new Dictionary<string, string> { ["HAWITNESS_CLI_PASSWORD"] = password });
            output.WriteLine(stdout + err);
            Assert.Equal(0, ok);
            Assert.Contains("taken by the running appliance", stdout, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(data, ".backup-*"));
        }
    }

    private async Task AssertRefusedAsync(byte[] archive, string why)
    {
        string file = _dir.File("bad.tar");
        File.WriteAllBytes(file, archive);
        string target = _dir.File("untouched");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old-file"), "keep me");
        var before = Directory.GetFileSystemEntries(_dir.Path).Order(StringComparer.Ordinal).ToArray();

        var (code, stdout, stderr) = await Run("restore", file, "--data", target, "--force");
        output.WriteLine($"{code} {stdout}{stderr}");
        Assert.Equal(1, code);
        Assert.Contains(why, stderr, StringComparison.Ordinal);
        Assert.Equal(["old-file"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(target, "old-file")));
        Assert.Equal(before, Directory.GetFileSystemEntries(_dir.Path).Order(StringComparer.Ordinal).ToArray());

        // Into a fresh directory the same: nothing is created.
        string fresh = _dir.File("fresh");
        (code, _, _) = await Run("restore", file, "--data", fresh);
        Assert.Equal(1, code);
        Assert.False(Directory.Exists(fresh));
        Assert.Equal(before, Directory.GetFileSystemEntries(_dir.Path).Order(StringComparer.Ordinal).ToArray());
    }

    private async Task<string> OfflineBackupAsync()
    {
        string archive = _dir.File("good.tar");
        var (code, _, stderr) = await Run("backup", archive, "--data", MakeDataDirectory());
        Assert.True(code == 0, stderr);
        return archive;
    }

    /// <summary>A data directory as the appliance leaves it: journal with rows, CA, secrets, a Raft directory, an SSH key.</summary>
    private string MakeDataDirectory()
    {
        string data = _dir.File("data-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        using (var journal = JournalStore.Open(Path.Combine(data, JournalStore.FileName)))
        {
            for (int i = 0; i < 20; i++)
            {
                journal.Append(new NewDecision("Filler", Subjects.Vm("v" + i), Outcome.Decided));
            }

            journal.WriteHighWater();
        }

        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(Path.Combine(data, "ca.key"), ec.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllText(Path.Combine(data, "ca.crt"), "-----BEGIN CERTIFICATE-----\nnot parsed here\n-----END CERTIFICATE-----\n");
        File.WriteAllText(Path.Combine(data, "member-secret"), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        Directory.CreateDirectory(Path.Combine(data, "raft", "wal"));
        File.WriteAllBytes(Path.Combine(data, "raft", "members.bin"), RandomNumberGenerator.GetBytes(22));
        File.WriteAllBytes(Path.Combine(data, "raft", "wal", "state"), RandomNumberGenerator.GetBytes(37));
        Directory.CreateDirectory(Path.Combine(data, "ssh"));
        File.WriteAllText(Path.Combine(data, "ssh", "id_ed25519"), "key");
        return data;
    }

    private static Task<(int ExitCode, string StdOut, string StdErr)> Run(params string[] args) => TestProcess.RunAsync(Binaries.Appliance, args);

    private static Dictionary<string, byte[]> Read(byte[] archive)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry() is { } e)
        {
            using var body = new MemoryStream();
            e.DataStream?.CopyTo(body);
            entries[e.Name] = body.ToArray();
        }

        return entries;
    }

    /// <summary>A tar of <paramref name="entries"/> in order; with <paramref name="withManifest"/>, a correct manifest of them is added last.</summary>
    private static byte[] Write(Dictionary<string, byte[]> entries, bool withManifest = false)
    {
        if (withManifest)
        {
            var parts = entries.Select(e => new { path = e.Key, size = e.Value.Length, sha256 = Convert.ToHexStringLower(SHA256.HashData(e.Value)) });
            string json = "{\"format\":\"hawitness-backup\",\"version\":1,\"createdAt\":\"2026-01-01T00:00:00+00:00\",\"source\":\"offline\",\"raftPosition\":null,\"parts\":["
                + string.Join(',', parts.Select(p => $"{{\"path\":{JsonSerializer.Serialize(p.path)},\"size\":{p.size},\"sha256\":\"{p.sha256}\"}}")) + "]}";
            entries = new Dictionary<string, byte[]>(entries, StringComparer.Ordinal) { ["manifest.json"] = Encoding.UTF8.GetBytes(json) };
        }

        using var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, body) in entries)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(body) });
            }
        }

        return stream.ToArray();
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
