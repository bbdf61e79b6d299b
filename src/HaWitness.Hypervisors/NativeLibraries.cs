using System.Reflection;
using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors;

/// <summary>
/// Maps the logical library names of this assembly's <c>[LibraryImport]</c>s to files loaded from
/// configured paths (one DllImport resolver per assembly, registered once). A name stays bound to
/// the first file loaded for it for the life of the process, as the runtime caches resolved
/// imports; a different path later is refused with a clear error.
/// </summary>
internal static class NativeLibraries
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, (string Path, nint Handle)> Loaded = new(StringComparer.Ordinal);
    private static bool _registered;

    /// <summary>Loads <paramref name="path"/> for the logical <paramref name="name"/>; null on success, else why not.</summary>
    public static string? Load(string name, string path)
    {
        lock (Gate)
        {
            if (!_registered)
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
                _registered = true;
            }

            if (Loaded.TryGetValue(name, out var existing))
            {
                return existing.Path == path ? null : $"{name} is already loaded from {existing.Path}; this process cannot switch to {path}";
            }

            if (!NativeLibrary.TryLoad(path, out nint handle))
            {
                // TryLoad hides dlerror(); Load gives it (missing file, wrong architecture, missing dependency).
                try
                {
                    handle = NativeLibrary.Load(path);
                }
                catch (DllNotFoundException ex)
                {
                    return ex.Message;
                }
                catch (BadImageFormatException ex)
                {
                    return ex.Message;
                }
            }

            Loaded[name] = (path, handle);
            return null;
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        lock (Gate)
        {
            return Loaded.TryGetValue(libraryName, out var lib) ? lib.Handle : IntPtr.Zero;
        }
    }
}
