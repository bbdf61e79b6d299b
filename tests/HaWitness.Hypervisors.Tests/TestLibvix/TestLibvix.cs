using System.Reflection;
using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors.Tests.TestLibvix;

/// <summary>
/// The TEST DOUBLE of libvixAllProducts.so (testlibvix.c, built with gcc beside the tests): where it
/// is, and its inspection functions. The driver loads the same file, so both see one instance.
/// </summary>
internal static partial class TestLibvix
{
    public static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "libvix-testdouble.so");

    private const string Lib = "vix-testdouble";

    static TestLibvix()
    {
        NativeLibrary.SetDllImportResolver(typeof(TestLibvix).Assembly, (name, _, _) =>
            name == Lib ? NativeLibrary.Load(Path) : IntPtr.Zero);
    }

    public static HypervisorOptions Options(VixProvider provider = VixProvider.Workstation, TimeSpan? timeout = null) => new()
    {
        Kind = "vix",
        CallTimeout = timeout ?? TimeSpan.FromSeconds(10),
        Vix = new VixOptions { Library = Path, Provider = provider },
    };

    /// <summary>Handles other than host handles still alive in the double (jobs, VMs, found items).</summary>
    public static int LiveHandles() => TestVix_LiveHandles();

    public static long JobsStarted() => TestVix_JobsStarted();

    public static long CallbacksMade() => TestVix_CallbacksMade();

    public static int PowerStateBits(string vmx) => TestVix_PowerState(vmx);

    public static void SetDatastoreRoot(string dir) => TestVix_SetDatastoreRoot(dir);

    /// <summary>Waits until the double holds no more handles than <paramref name="baseline"/> (job threads release theirs just after the callback).</summary>
    public static async Task<int> SettledHandlesAsync(int baseline, TimeSpan? within = null)
    {
        var until = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(5));
        int live;
        while ((live = LiveHandles()) > baseline && DateTime.UtcNow < until)
        {
            await Task.Delay(10);
        }

        return live;
    }

    [LibraryImport(Lib)]
    private static partial int TestVix_LiveHandles();

    [LibraryImport(Lib)]
    private static partial long TestVix_JobsStarted();

    [LibraryImport(Lib)]
    private static partial long TestVix_CallbacksMade();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int TestVix_PowerState(string vmx);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    private static partial void TestVix_SetDatastoreRoot(string dir);
}
