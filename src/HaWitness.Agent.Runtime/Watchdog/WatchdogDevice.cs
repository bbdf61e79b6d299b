using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HaWitness.Agent.Runtime.Watchdog;

/// <summary>
/// The Linux watchdog API on a device file (<c>/dev/watchdog</c>, <c>/dev/watchdogN</c>): opening it
/// arms the timer, every write pets it, <c>WDIOC_SETTIMEOUT</c> sets the timeout, and writing
/// <c>V</c> before closing disarms it (unless the driver was loaded with <c>nowayout</c>). On a file
/// that is not a watchdog (a test device) the ioctls fail and the requested timeout is assumed.
/// </summary>
public sealed partial class WatchdogDevice : IWatchdogDevice
{
    // _IOWR('W', 6, int) and _IOR('W', 7, int) from linux/watchdog.h.
    private const ulong WdiocSetTimeout = 0xC0045706;
    private const ulong WdiocGetTimeout = 0x80045707;

    private readonly FileStream _file;
    private readonly Lock _lock = new();
    private bool _disposed;

    private WatchdogDevice(FileStream file, string name, TimeSpan timeout, bool isDevice)
    {
        _file = file;
        Name = name;
        Timeout = timeout;
        IsDevice = isDevice;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public TimeSpan Timeout { get; }

    /// <summary>False when the file refused the watchdog ioctls (a test device): the timeout is the requested one.</summary>
    public bool IsDevice { get; }

    /// <summary>Opens (and so arms) the watchdog, asking for <paramref name="timeout"/> (whole seconds, at least 1).</summary>
    /// <exception cref="IOException">The device cannot be opened (missing, busy: another process holds it, no permission).</exception>
    public static WatchdogDevice Open(string path, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"watchdog {path}: permission denied", ex);
        }

        int seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        bool isDevice = false;
        if (OperatingSystem.IsLinux())
        {
            int requested = seconds;
            isDevice = Ioctl(file.SafeFileHandle, WdiocSetTimeout, ref requested) == 0;
            int actual = 0;
            if (isDevice && Ioctl(file.SafeFileHandle, WdiocGetTimeout, ref actual) == 0 && actual > 0)
            {
                seconds = actual; // the driver may round or clamp
            }
        }

        var device = new WatchdogDevice(file, path, TimeSpan.FromSeconds(seconds), isDevice);
        device.Pet();
        return device;
    }

    /// <inheritdoc />
    public void Pet() => Write((byte)'.');

    /// <inheritdoc />
    public void Disarm()
    {
        Write((byte)'V');
        Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _file.Dispose();
            }
        }
    }

    private void Write(byte b)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _file.WriteByte(b);
            _file.Flush();
        }
    }

    private static int Ioctl(SafeFileHandle handle, ulong request, ref int value)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return NativeIoctl((int)handle.DangerousGetHandle(), request, ref value);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int NativeIoctl(int fd, ulong request, ref int value);
}
