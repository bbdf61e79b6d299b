using System.Security.Cryptography;
using System.Text;
using HaWitness.TestSupport;

namespace HaWitness.Hypervisors.Tests.Libvirt;

/// <summary>
/// The tiny TCG guest (Debian kernel + busybox initramfs), built once by guest/build_guest.sh and
/// cached under /var/tmp/hawitness-test-cache keyed by the scripts' hash, so repeated runs reuse it.
/// </summary>
internal static class TestGuest
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string CacheRoot => Environment.GetEnvironmentVariable("HAWITNESS_TEST_CACHE") ?? "/var/tmp/hawitness-test-cache";

    /// <summary>Returns the folder holding <c>vmlinuz</c> and <c>initrd.gz</c>, building them if needed.</summary>
    public static async Task<string> EnsureAsync()
    {
        string scripts = Path.Combine(AppContext.BaseDirectory, "Libvirt", "guest");
        string build = Path.Combine(scripts, "build_guest.sh");
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            File.ReadAllText(build) + File.ReadAllText(Path.Combine(scripts, "guest_init.sh")))))[..12];
        string dir = Path.Combine(CacheRoot, "guest-" + key);
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(dir, "initrd.gz")) && File.Exists(Path.Combine(dir, "vmlinuz")))
            {
                return dir;
            }

            Directory.CreateDirectory(CacheRoot);
            string tmp = dir + ".tmp-" + Environment.ProcessId;
            var (code, stdout, stderr) = await TestProcess.RunAsync(("bash", []), [build, tmp], TimeSpan.FromMinutes(5));
            if (code != 0)
            {
                throw new InvalidOperationException($"building the test guest failed ({code}):\n{stdout}\n{stderr}");
            }

            try
            {
                Directory.Move(tmp, dir);
            }
            catch (IOException) when (Directory.Exists(dir))
            {
                Directory.Delete(tmp, recursive: true); // another test run built it first
            }

            return dir;
        }
        finally
        {
            Gate.Release();
        }
    }
}
