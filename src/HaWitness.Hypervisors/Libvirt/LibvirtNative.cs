using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors.Libvirt;

/// <summary>The part of libvirt's C API (libvirt.so.0) this driver uses; none of it is variadic.</summary>
internal static unsafe partial class LibvirtNative
{
    public const string Library = "virt";

    // virDomainState
    public const int StateNoState = 0;
    public const int StateRunning = 1;
    public const int StateBlocked = 2;
    public const int StatePaused = 3;
    public const int StateShutdown = 4;
    public const int StateShutoff = 5;
    public const int StateCrashed = 6;
    public const int StatePmSuspended = 7;

    // virDomainUndefineFlagsValues
    public const uint UndefineManagedSave = 1;
    public const uint UndefineSnapshotsMetadata = 2;

    // virErrorNumber
    public const int ErrNoSupport = 3;
    public const int ErrNoConnect = 5;
    public const int ErrInvalidConn = 6;
    public const int ErrInvalidArg = 8;
    public const int ErrXmlError = 27;
    public const int ErrXmlDetail = 35;
    public const int ErrSystemError = 38;
    public const int ErrRpc = 39;
    public const int ErrNoDomain = 42;
    public const int ErrAuthFailed = 45;
    public const int ErrOperationInvalid = 55;
    public const int ErrConfigUnsupported = 67;
    public const int ErrOperationTimeout = 68;
    public const int ErrOperationUnsupported = 84;

    /// <summary>struct _virNodeInfo (LP64: <c>unsigned long</c> is 8 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NodeInfo
    {
        public fixed byte Model[32];
        public nuint Memory;
        public uint Cpus;
        public uint Mhz;
        public uint Nodes;
        public uint Sockets;
        public uint Cores;
        public uint Threads;
    }

    [LibraryImport(Library)]
    public static partial int virInitialize();

    [LibraryImport(Library)]
    public static partial void virSetErrorFunc(nint userData, delegate* unmanaged[Cdecl]<nint, nint, void> handler);

    [LibraryImport(Library)]
    public static partial int virGetLastErrorCode();

    [LibraryImport(Library)]
    public static partial nint virGetLastErrorMessage();

    [LibraryImport(Library)]
    public static partial void virResetLastError();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint virConnectOpen(string name);

    [LibraryImport(Library)]
    public static partial int virConnectClose(nint conn);

    [LibraryImport(Library)]
    public static partial int virConnectIsAlive(nint conn);

    [LibraryImport(Library)]
    public static partial int virConnectListAllDomains(nint conn, out nint domains, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint virDomainLookupByName(nint conn, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint virDomainDefineXML(nint conn, string xml);

    [LibraryImport(Library)]
    public static partial nint virDomainGetName(nint domain);

    [LibraryImport(Library)]
    public static partial int virDomainGetUUIDString(nint domain, byte* buf);

    [LibraryImport(Library)]
    public static partial int virDomainGetState(nint domain, out int state, out int reason, uint flags);

    [LibraryImport(Library)]
    public static partial int virDomainCreate(nint domain);

    [LibraryImport(Library)]
    public static partial int virDomainDestroy(nint domain);

    [LibraryImport(Library)]
    public static partial int virDomainShutdown(nint domain);

    [LibraryImport(Library)]
    public static partial int virDomainSuspend(nint domain);

    [LibraryImport(Library)]
    public static partial int virDomainResume(nint domain);

    [LibraryImport(Library)]
    public static partial int virDomainIsActive(nint domain);

    [LibraryImport(Library)]
    public static partial int virDomainUndefineFlags(nint domain, uint flags);

    [LibraryImport(Library)]
    public static partial int virDomainFree(nint domain);

    /// <summary>VIR_DOMAIN_XML_INACTIVE: the persistent definition, not the running one.</summary>
    public const uint XmlInactive = 2;

    /// <summary>Returns a malloc'd UTF-8 string (free with <see cref="Free"/>), or 0 on error.</summary>
    [LibraryImport(Library)]
    public static partial nint virDomainGetXMLDesc(nint domain, uint flags);

    [LibraryImport(Library)]
    public static partial int virNodeGetInfo(nint conn, out NodeInfo info);

    /// <summary>libc's free, for the array virConnectListAllDomains returns.</summary>
    [LibraryImport("libc", EntryPoint = "free")]
    public static partial void Free(nint p);

    /// <summary>Keeps libvirt from printing every error to stderr: we read them with virGetLastError* and return them as values.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static void SilentErrorHandler(nint userData, nint error)
    {
    }

    public static delegate* unmanaged[Cdecl]<nint, nint, void> SilentErrorHandlerPointer => &SilentErrorHandler;
}
