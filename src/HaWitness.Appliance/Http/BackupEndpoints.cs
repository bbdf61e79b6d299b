using HaWitness.Cluster.Raft;
using HaWitness.Core.Backup;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;

namespace HaWitness.Appliance.Http;

/// <summary>
/// <c>POST /api/v1/backup</c> (admin only, as every POST under /api): the appliance writes a
/// consistent archive of its own data directory while it serves (the journal by SQLite's online
/// backup, the Raft directory while its log is quiet) and streams it. <c>hawitness backup FILE</c>
/// calls it when the data directory is in use. A POST, not a GET: the archive holds the cluster
/// CA's key and every secret, so open reads must never reach it.
/// </summary>
internal static class BackupEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/v1/backup", async (HttpContext http, DataDirectory dataDir, RaftNode node, JournalStore journal, TimeProvider time) =>
        {
            // Staged in the data directory (same disk, owner-only, skipped by the backup itself), removed once sent.
            string file = dataDir.File(BackupWriter.ScratchPrefix + Guid.NewGuid().ToString("N") + ".tar");
            BackupManifest manifest;
            try
            {
                await using (var output = new FileStream(file, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    Options = FileOptions.Asynchronous,
                }))
                {
                    manifest = await BackupWriter.WriteAsync(dataDir.Path, output, () => node.LogPosition, time, http.RequestAborted).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException)
            {
                File.Delete(file);
                return JsonBody.Error(503, "backup_failed", ex.Message);
            }
            catch
            {
                File.Delete(file);
                throw;
            }

            long bytes = new FileInfo(file).Length;
            try
            {
                journal.RecordEvent("BackupTaken", Subjects.Cluster, $"backup of {manifest.Parts.Count} files ({bytes} bytes) sent to {RequestLimits.SourceOf(http)}; Raft {manifest.RaftPosition}");
            }
            catch (JournalWriteException)
            {
                // The backup is good; a journal that cannot write says so through its own alarm.
            }

            var body = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            return TypedResults.Stream(body, "application/x-tar", "hawitness-backup.tar");
        });
    }
}
