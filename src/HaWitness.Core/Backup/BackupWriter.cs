using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using HaWitness.Core.Journal;
using Microsoft.Data.Sqlite;

namespace HaWitness.Core.Backup;

/// <summary>
/// Writes a backup of a data directory as a tar: every file the appliance keeps (cluster CA,
/// keys, member secret, Raft identity, HTTPS certificate, admin credential, SSH key...), the
/// journal copied with SQLite's online backup, the Raft directory copied while the log is quiet,
/// and <see cref="BackupManifest"/> last, with the SHA-256 of each part.
/// </summary>
public static class BackupWriter
{
    /// <summary>Top-level names the appliance uses for scratch work beside its data (never archived).</summary>
    public const string ScratchPrefix = ".backup-";

    private const string RaftDirectory = "raft";
    private const int RaftCopyTries = 10;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // Not archived: the lock (it belongs to a process), the journal's live files (copied by
    // SQLite's backup instead), its high-water mark (it describes the live journal, not the copy;
    // a restored journal starts a new one), journals moved aside by 'db rebuild', scratch files.
    private static readonly HashSet<string> SkippedTopLevel = new(StringComparer.Ordinal)
    {
        ".lock", ".lock.pid", JournalStore.FileName, JournalStore.FileName + "-wal", JournalStore.FileName + "-shm", HighWaterMark.FileName, RaftDirectory,
    };

    /// <summary>
    /// Writes the archive of <paramref name="dataDirectory"/> to <paramref name="output"/>.
    /// <paramref name="raftPosition"/> reads the running Raft node's log position (term, last,
    /// committed and applied index): the Raft files are copied again until the position and every
    /// file's size and time are the same before and after the copy, so the copy is the directory
    /// as it was at one quiet moment (what DotNext's log recovers from after a crash). Null when
    /// nothing writes the directory (the appliance is stopped and its lock is held).
    /// </summary>
    /// <exception cref="BackupException">A part cannot be read, or the Raft log never stood still.</exception>
    public static async Task<BackupManifest> WriteAsync(string dataDirectory, Stream output, Func<string>? raftPosition, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        string root = Path.GetFullPath(dataDirectory);
        string scratch = Path.Combine(root, ScratchPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var sources = new List<(string Name, string File)>();
            string journal = Path.Combine(root, JournalStore.FileName);
            if (File.Exists(journal))
            {
                string copy = Path.Combine(scratch, JournalStore.FileName);
                CopyJournal(journal, copy);
                sources.Add((JournalStore.FileName, copy));
            }

            string? position = null;
            string raft = Path.Combine(root, RaftDirectory);
            if (Directory.Exists(raft))
            {
                string copy = Path.Combine(scratch, RaftDirectory);
                position = await CopyRaftAsync(raft, copy, raftPosition, cancellationToken).ConfigureAwait(false);
                sources.AddRange(Files(copy).Select(f => (RaftDirectory + "/" + Relative(copy, f), f)));
            }

            sources.AddRange(Files(root, SkipTopLevel).Select(f => (Relative(root, f), f)));
            sources.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            var now = time.GetUtcNow();
            var parts = new List<BackupPart>(sources.Count);
            using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var (name, file) in sources)
                {
                    parts.Add(await AddFileAsync(tar, name, file, cancellationToken).ConfigureAwait(false));
                }

                var manifest = new BackupManifest(BackupManifest.FormatName, BackupManifest.CurrentVersion, now, raftPosition is null ? "offline" : "live", position, parts);
                byte[] json = JsonSerializer.SerializeToUtf8Bytes(manifest, BackupJson.Default.BackupManifest);
                using var body = new MemoryStream(json, writable: false);
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, BackupManifest.EntryName) { DataStream = body, Mode = OwnerOnly, ModificationTime = now }, cancellationToken).ConfigureAwait(false);
                return manifest;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException)
        {
            throw new BackupException($"cannot back up {root}: {ex.Message}", ex);
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    private static bool SkipTopLevel(string name) =>
        SkippedTopLevel.Contains(name) || name.StartsWith(ScratchPrefix, StringComparison.Ordinal) || name.StartsWith("journal-damaged-", StringComparison.Ordinal);

    /// <summary>SQLite's online backup: a consistent copy page by page while the appliance keeps writing.</summary>
    private static void CopyJournal(string journal, string copy)
    {
        SqliteNative.EnsureInitialized();
        using var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        source.Open();
        destination.Open();
        source.BackupDatabase(destination);
        using var command = destination.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        command.ExecuteNonQuery();
    }

    private static async Task<string?> CopyRaftAsync(string raft, string copy, Func<string>? position, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            string? before = position?.Invoke();
            var statsBefore = Stats(raft);
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }

            bool vanished = false;
            foreach (var file in statsBefore.Keys)
            {
                string target = Path.Combine(copy, file);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                try
                {
                    File.Copy(Path.Combine(raft, file), target);
                }
                catch (FileNotFoundException)
                {
                    vanished = true; // the log's cleaner removed a page after a snapshot: copy again
                    break;
                }
            }

            if (!vanished && (position is null || (before == position() && SameStats(statsBefore, Stats(raft)))))
            {
                return before;
            }

            if (attempt == RaftCopyTries)
            {
                throw new BackupException($"the Raft log kept changing during {RaftCopyTries} copies (the cluster is busy: a failover or a join?); try again in a minute");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, (long Length, DateTime Modified)> Stats(string directory) =>
        Files(directory).ToDictionary(f => Relative(directory, f), f =>
        {
            var info = new FileInfo(f);
            return (info.Length, info.LastWriteTimeUtc);
        }, StringComparer.Ordinal);

    private static bool SameStats(Dictionary<string, (long, DateTime)> a, Dictionary<string, (long, DateTime)> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Regular files under <paramref name="directory"/>; a symbolic link or special file stops the backup.</summary>
    private static IEnumerable<string> Files(string directory, Func<string, bool>? skipTopLevel = null)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (skipTopLevel?.Invoke(entry.Name) == true || entry.Name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue;
            }

            if (entry.LinkTarget is not null)
            {
                throw new BackupException($"{entry.FullName} is a symbolic link: a backup holds only the data directory's own files; replace it with the file it points to");
            }

            if (entry is DirectoryInfo dir)
            {
                foreach (var f in Files(dir.FullName))
                {
                    yield return f;
                }
            }
            else if ((entry.Attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) == 0 && File.Exists(entry.FullName))
            {
                yield return entry.FullName;
            }
        }
    }

    private static string Relative(string root, string file) => Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>
    /// Hashes and archives one file through a single handle: the files archived from the live
    /// directory are replaced by rename when they change, so the handle reads one whole version.
    /// </summary>
    private static async Task<BackupPart> AddFileAsync(TarWriter tar, string name, string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.Asynchronous);
        byte[] hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        long size = stream.Length;
        stream.Position = 0;
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = stream,
            Mode = OwnerOnly,
            ModificationTime = File.GetLastWriteTimeUtc(file),
        }, cancellationToken).ConfigureAwait(false);
        return new BackupPart(name, size, Convert.ToHexStringLower(hash));
    }
}
