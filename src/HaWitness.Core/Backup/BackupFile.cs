using HaWitness.Core.Storage;

namespace HaWitness.Core.Backup;

/// <summary>Writes an archive to <c>FILE.tmp</c> (mode 0600: it holds the cluster CA's key), syncs it, then renames it to FILE.</summary>
public static class BackupFile
{
    /// <summary>Runs <paramref name="write"/> into <c>FILE.tmp</c>, then <paramref name="check"/> on it, then renames it; on failure FILE.tmp is removed and FILE untouched.</summary>
    /// <exception cref="BackupException">Writing, checking or renaming failed.</exception>
    public static async Task<BackupManifest> WriteAsync(string file, Func<Stream, Task> write, Func<string, Task<BackupManifest>> check)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(check);
        string full = Path.GetFullPath(file);
        string tmp = full + ".tmp";
        try
        {
            await using (var stream = new FileStream(tmp, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                Options = FileOptions.Asynchronous,
            }))
            {
                File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite); // an old FILE.tmp keeps its mode otherwise
                await write(stream).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            var manifest = await check(tmp).ConfigureAwait(false);
            File.Move(tmp, full, overwrite: true);
            DurableFile.SyncDirectory(Path.GetDirectoryName(full)!);
            return manifest;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BackupException)
        {
            try
            {
                File.Delete(tmp);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The first failure is the one to report.
            }

            throw ex as BackupException ?? new BackupException($"cannot write {full}: {ex.Message}", ex);
        }
    }
}
