using System.Runtime.InteropServices;

namespace HaWitness.Core.Storage;

/// <summary>
/// Replaces a small file so that after a crash or power cut it holds either the old content or
/// the new, never a torn or empty file: written beside, fsynced, renamed, then the directory
/// fsynced (the rename itself lives in the directory).
/// </summary>
internal static partial class DurableFile
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // linux x86-64 only (the one platform we ship); arm64's O_DIRECTORY is 0x4000

    /// <exception cref="IOException">A step failed (disk full, I/O error); the old file is intact.</exception>
    public static void Replace(string path, ReadOnlySpan<byte> content)
    {
        string tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(content);
            f.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>fsyncs a directory; .NET cannot open one as a file, so this goes to libc.</summary>
    /// <exception cref="IOException">open or fsync failed.</exception>
    public static void SyncDirectory(string directory)
    {
        int fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
