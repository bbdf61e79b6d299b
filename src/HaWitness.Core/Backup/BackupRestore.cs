using System.Globalization;
using HaWitness.Core.Storage;

namespace HaWitness.Core.Backup;

/// <summary>What a restore did.</summary>
/// <param name="Manifest">The archive's manifest.</param>
/// <param name="MovedAside">Where the data directory that was there went (with --force), or null.</param>
public sealed record RestoreResult(BackupManifest Manifest, string? MovedAside);

/// <summary>
/// Restores an archive into a data directory with the appliance stopped. The archive is checked
/// and extracted in full into a scratch directory beside the target first; only then is an old
/// directory moved aside (with <c>force</c>; never deleted) and the scratch directory renamed into
/// place. A refused archive leaves the target as it was.
/// </summary>
public static class BackupRestore
{
    /// <exception cref="BackupException">The archive is refused, the target is not empty (without force) or in use, or a step failed.</exception>
    public static async Task<RestoreResult> RunAsync(string archive, string dataDirectory, bool force, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        string target = Path.GetFullPath(dataDirectory).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(target) ?? throw new BackupException($"cannot restore into {target}: choose a directory below /");
        if (File.Exists(target))
        {
            throw new BackupException($"{target} is a file, not a data directory");
        }

        bool occupied = Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any();
        if (occupied && !force)
        {
            throw new BackupException($"data directory {target} is not empty; nothing was restored. Use --force to move it aside (it is kept, never deleted) and restore in its place");
        }

        string scratch = Path.Combine(parent, $".{Path.GetFileName(target)}.restore-{Guid.NewGuid():N}");
        BackupManifest manifest;
        try
        {
            Directory.CreateDirectory(parent);
            Directory.CreateDirectory(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            manifest = await BackupArchive.ExtractAsync(archive, scratch, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryDelete(scratch);
            throw ex as BackupException ?? new BackupException($"cannot restore into {target}: {ex.Message}; nothing was restored", ex);
        }

        try
        {
            string? aside = null;
            if (occupied)
            {
                // Held while it moves, so a starting appliance cannot take the directory in between.
                using var held = DataDirectory.Acquire(target);
                aside = $"{target}.before-restore-{time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
                Directory.Move(target, aside);
            }
            else if (Directory.Exists(target))
            {
                Directory.Delete(target);
            }

            // The files were synced as they were written; their directory entries are synced here, before the rename publishes them.
            foreach (var dir in Directory.EnumerateDirectories(scratch, "*", SearchOption.AllDirectories).Append(scratch))
            {
                DurableFile.SyncDirectory(dir);
            }

            Directory.Move(scratch, target);
            DurableFile.SyncDirectory(parent);
            return new RestoreResult(manifest, aside);
        }
        catch (DataDirectoryException ex)
        {
            TryDelete(scratch);
            throw new BackupException(ex.InUse
                ? $"data directory {target} is in use by a running appliance: stop it first (systemctl stop hawitness); nothing was restored"
                : ex.Message + "; nothing was restored", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(scratch);
            throw new BackupException($"cannot restore into {target}: {ex.Message}", ex);
        }
    }

    private static void TryDelete(string scratch)
    {
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing of ours to keep; an unremovable scratch directory is reported by the next run.
        }
    }
}
