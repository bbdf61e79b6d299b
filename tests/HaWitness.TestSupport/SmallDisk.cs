namespace HaWitness.TestSupport;

/// <summary>
/// A real, small file system (tmpfs of a fixed size) mounted for one test, so "disk full" is the
/// kernel's ENOSPC and not a fake. Needs root (CAP_SYS_ADMIN); <see cref="TryMount"/> says why not.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly TempDir _mountPoint;

    private SmallDisk(TempDir mountPoint)
    {
        _mountPoint = mountPoint;
    }

    public string Path => _mountPoint.Path;

    public string File(string name) => _mountPoint.File(name);

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/>; null and the reason when the mount is impossible here.</summary>
    public static SmallDisk? TryMount(long bytes, out string reason)
    {
        var dir = new TempDir("hawitness-small-disk");
        var (code, stdout, stderr) = ProcessRunner.RunAsync("mount",
            ["-t", "tmpfs", "-o", $"size={bytes},mode=0700", "tmpfs", dir.Path]).GetAwaiter().GetResult();
        if (code != 0)
        {
            dir.Dispose();
            reason = $"cannot mount a tmpfs (needs root): {(stdout + stderr).Trim()}";
            return null;
        }

        reason = string.Empty;
        return new SmallDisk(dir);
    }

    /// <summary>Writes a file until the disk refuses more (ENOSPC); returns its path.</summary>
    public string Fill()
    {
        string path = File("filler");
        var block = new byte[4096];
        try
        {
            using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, 1);
            while (true)
            {
                f.Write(block);
            }
        }
        catch (IOException)
        {
            // full
        }

        return path;
    }

    /// <summary>Remounts read-only (or back read-write).</summary>
    public void Remount(bool readOnly)
    {
        var (code, stdout, stderr) = ProcessRunner.RunAsync("mount", ["-o", readOnly ? "remount,ro" : "remount,rw", Path]).GetAwaiter().GetResult();
        if (code != 0)
        {
            throw new InvalidOperationException($"remount failed: {stdout}{stderr}");
        }
    }

    public void Dispose()
    {
        var (code, _, _) = ProcessRunner.RunAsync("umount", [Path]).GetAwaiter().GetResult();
        if (code != 0)
        {
            // A process of the test may still hold a file: detach now, the kernel frees it later.
            ProcessRunner.RunAsync("umount", ["-l", Path]).GetAwaiter().GetResult();
        }

        _mountPoint.Dispose();
    }
}
