using System.Globalization;

namespace HaWitness.Core.Storage;

/// <summary>
/// Owns a data directory for the life of the process: creates it (mode 0700) and holds an
/// exclusive lock on its <c>.lock</c> file so that a second appliance or agent cannot open the
/// same journal and Raft log at once.
/// </summary>
public sealed class DataDirectory : IDisposable
{
    // Linux errno values (x86-64 and arm64).
    private const int EWouldBlock = 11;
    private const int ENoSpace = 28;
    private const int EReadOnlyFs = 30;
    private const int EDiskQuota = 122;

    private readonly FileStream _lock;

    private DataDirectory(string path, FileStream lockFile)
    {
        Path = path;
        _lock = lockFile;
    }

    /// <summary>Absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>Creates (if needed) and locks <paramref name="path"/>.</summary>
    /// <exception cref="DataDirectoryException">The directory cannot be created or is in use.</exception>
    public static DataDirectory Acquire(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataDirectoryException($"data directory {full}: cannot create it: {ex.Message}", ex);
        }

        string lockPath = System.IO.Path.Combine(full, ".lock");
        FileStream stream;
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix.
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex.HResult == EWouldBlock)
        {
            string holder = TryReadHolder(lockPath);
            throw new DataDirectoryException(
                $"data directory {full} is in use by another HaWitness process{holder}; stop it or choose another --data directory", ex)
            {
                InUse = true,
            };
        }
        catch (IOException ex)
        {
            throw new DataDirectoryException(Explain(full, lockPath, ex), ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DataDirectoryException($"data directory {full}: permission denied on {lockPath}", ex);
        }

        try
        {
            // The lock file itself cannot be read by a rival (flock), so the holder's pid goes beside it.
            System.IO.File.WriteAllText(lockPath + ".pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new DataDirectoryException(Explain(full, lockPath + ".pid", ex), ex);
        }

        return new DataDirectory(full, stream);
    }

    /// <summary>
    /// True when <paramref name="ex"/> is the file system refusing writes (full, over quota,
    /// read-only) rather than a bug: <see cref="Explain"/> then has the line for the operator.
    /// </summary>
    public static bool IsStorageFailure(Exception ex) =>
        ex is IOException && ex.HResult is ENoSpace or EDiskQuota or EReadOnlyFs;

    /// <summary>
    /// One line for a failure to write <paramref name="file"/> in <paramref name="directory"/>.
    /// .NET carries the errno in <see cref="Exception.HResult"/> on Unix; the common ones get
    /// words an operator acts on.
    /// </summary>
    public static string Explain(string directory, string file, Exception ex) => ex.HResult switch
    {
        EReadOnlyFs => $"data directory {directory} is on a read-only file system; HaWitness writes its journal there: remount it read-write or choose another --data directory",
        ENoSpace or EDiskQuota => $"journal: the disk holding {directory} is full (cannot write {file}); free space there and start again",
        _ when ex is UnauthorizedAccessException => $"data directory {directory}: permission denied on {file}",
        _ => $"data directory {directory}: cannot write {file}: {ex.Message}",
    };

    /// <summary>A file path inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    private static string TryReadHolder(string lockPath)
    {
        try
        {
            string? pid = System.IO.File.ReadAllText(lockPath + ".pid");
            return string.IsNullOrWhiteSpace(pid) ? string.Empty : $" (pid {pid.Trim()})";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
