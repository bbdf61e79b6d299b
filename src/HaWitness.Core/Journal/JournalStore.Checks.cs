using Microsoft.Data.Sqlite;

namespace HaWitness.Core.Journal;

/// <summary>The checks made before a file is trusted, and the words for SQLite's failures.</summary>
public sealed partial class JournalStore
{
    private static void CheckHeader(string path)
    {
        Span<byte> header = stackalloc byte[16];
        int read;
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            read = f.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (IOException ex)
        {
            throw new JournalOpenException($"journal {path}: cannot read it: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new JournalOpenException($"journal {path}: permission denied: {ex.Message}", ex);
        }

        if (read < 16 || !header.SequenceEqual("SQLite format 3\0"u8))
        {
            throw new JournalOpenException(
                $"journal {path} is not a SQLite database (corrupt or foreign file); it was left untouched: restore it from a backup or move it away")
            {
                Damaged = true,
            };
        }
    }

    internal static string Describe(SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => "the database is locked by another process (is another HaWitness using this data directory?)",
        8 => "the database is read-only (check permissions and the file system)",
        10 => "I/O error: " + ex.Message,
        11 => "the database file is corrupt (" + ex.Message + "); it was left untouched: restore it from a backup",
        13 => "the disk is full",
        14 => "cannot open the database file (missing directory or permission denied)",
        26 => "the file is not a database (corrupt or foreign file); it was left untouched",
        _ => ex.Message,
    };
}
