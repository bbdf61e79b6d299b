using System.Globalization;

namespace HaWitness.Core.Storage;

/// <summary>
/// Owns a data directory for the life of the process: creates it (mode 0700) and holds an
/// exclusive lock on its <c>.lock</c> file so that a second appliance or agent cannot open the
/// same journal and Raft log at once.
/// </summary>
public sealed class DataDirectory : IDisposable
{
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
        catch (IOException ex)
        {
            string holder = TryReadHolder(lockPath);
            throw new DataDirectoryException(
                $"data directory {full} is in use by another HaWitness process{holder}; stop it or choose another --data directory", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DataDirectoryException($"data directory {full}: permission denied on {lockPath}", ex);
        }

        // The lock file itself cannot be read by a rival (flock), so the holder's pid goes beside it.
        System.IO.File.WriteAllText(lockPath + ".pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return new DataDirectory(full, stream);
    }

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
