using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors.Vix;

/// <summary>
/// VIX's fixed-arity C functions (vix.h), bound lazily to the library loaded by
/// <see cref="NativeLibraries"/>. No varargs here: the two variadic functions go through
/// <see cref="VixShimNative"/>.
/// </summary>
internal static unsafe partial class VixNative
{
    public const string Library = "vixAllProducts";

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixHost_Connect(int apiVersion, int hostType, string? hostName, int hostPort, string? userName, string? password, int options, int propertyListHandle, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void VixHost_Disconnect(int hostHandle);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixHost_RegisterVM(int hostHandle, string vmxFilePath, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixHost_UnregisterVM(int hostHandle, string vmxFilePath, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixHost_OpenVM(int hostHandle, string vmxFilePathName, int options, int propertyListHandle, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixHost_FindItems(int hostHandle, int searchType, int searchCriteria, int timeout, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixVM_PowerOn(int vmHandle, int powerOnOptions, int propertyListHandle, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixVM_PowerOff(int vmHandle, int powerOffOptions, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int VixVM_Suspend(int vmHandle, int powerOpOptions, delegate* unmanaged[Cdecl]<int, int, int, nint, void> callbackProc, nint clientData);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void Vix_ReleaseHandle(int handle);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial void Vix_FreeBuffer(nint p);

    /// <summary>Returns a static string owned by VIX (not freed).</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial nint Vix_GetErrorText(ulong err, string? locale);
}

/// <summary>Our shim's fixed-arity wrappers of VixJob_Wait and Vix_GetProperties (Vix/Shim/hawitness_vixshim.c).</summary>
internal static unsafe partial class VixShimNative
{
    public const string Library = "hawitness-vixshim";
    public const string FileName = "libhawitness-vixshim.so";
    public const int ExpectedVersion = 1;

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int hwvix_shim_version();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial int hwvix_bind(string path, byte* err, int errlen);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ulong hwvix_job_wait(int job);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ulong hwvix_job_wait_handle(int job, out int result);

    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ulong hwvix_get_int(int handle, int propertyId, out int value);

    /// <summary>The string belongs to VIX: free it with <see cref="VixNative.Vix_FreeBuffer"/>.</summary>
    [LibraryImport(Library)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    public static partial ulong hwvix_get_string(int handle, int propertyId, out nint value);
}
