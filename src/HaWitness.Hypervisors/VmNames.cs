using System.Buffers;

namespace HaWitness.Hypervisors;

/// <summary>The grammar of the values that reach a hypervisor: VM names, <c>.vmx</c> paths, datastore names.</summary>
public static class VmNames
{
    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    /// <summary>A VM name: 1..80 of letters, digits, '-', '_', '.', starting with a letter or digit.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: >= 1 and <= 80 }
        && char.IsAsciiLetterOrDigit(name[0])
        && !name.AsSpan().ContainsAnyExcept(NameChars);

    /// <summary>
    /// Checks a <c>.vmx</c> path: absolute (or relative to a datastore when one is given), ending in
    /// <c>.vmx</c>, no <c>..</c> segment, no control characters, at most 1024 characters. Because it
    /// starts with '/' (or is prefixed by <c>[datastore]</c>) it can never be read as an option.
    /// </summary>
    /// <returns>Null when fine, else why not.</returns>
    public static string? CheckVmxPath(string? path, string? datastore)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "the .vmx path is empty";
        }

        if (path.Length > 1024)
        {
            return "the .vmx path is longer than 1024 characters";
        }

        if (path.Any(char.IsControl))
        {
            return "the .vmx path contains control characters";
        }

        if (!path.EndsWith(".vmx", StringComparison.OrdinalIgnoreCase))
        {
            return $"'{path}' does not end in .vmx";
        }

        if (path.Split('/').Any(segment => segment == ".."))
        {
            return $"'{path}' contains a '..' segment";
        }

        if (datastore is null)
        {
            return path.StartsWith('/') ? null : $"'{path}' is not absolute (give a datastore for a datastore-relative path)";
        }

        if (datastore.Length is 0 or > 80 || datastore.Any(c => char.IsControl(c) || c is '[' or ']' or '/'))
        {
            return $"datastore '{datastore}' is not a datastore name (1..80 characters, no '[', ']', '/' or control characters)";
        }

        return path.StartsWith('/') ? $"'{path}' must be relative to datastore '{datastore}'" : null;
    }

    /// <summary>The name VIX's lists give a VM: the <c>.vmx</c> file's name without the extension, made valid.</summary>
    public static string FromVmxPath(string vmxPath)
    {
        string path = vmxPath.StartsWith('[') && vmxPath.IndexOf("] ", StringComparison.Ordinal) is > 0 and int end ? vmxPath[(end + 2)..] : vmxPath;
        string file = path[(path.LastIndexOf('/') + 1)..];
        string stem = file.EndsWith(".vmx", StringComparison.OrdinalIgnoreCase) ? file[..^4] : file;
        var chars = stem.Select(c => NameChars.Contains(c) ? c : '_').Take(80).ToArray();
        string name = new(chars);
        return IsValid(name) ? name : "vm_" + name.TrimStart('_', '-', '.');
    }

    /// <summary>Checks a VIX locator (<c>/abs/vm.vmx</c> or <c>[datastore] rel/vm.vmx</c>) before it reaches VIX or vmrun.</summary>
    internal static HypervisorError? CheckVmxLocator(VmRef? vm, string what)
    {
        ArgumentNullException.ThrowIfNull(vm);
        string? datastore = null;
        string path = vm.Locator;
        if (path.StartsWith('[') && path.IndexOf("] ", StringComparison.Ordinal) is > 1 and int end)
        {
            datastore = path[1..end];
            path = path[(end + 2)..];
        }

        return CheckVmxPath(path, datastore) is { } why
            ? new HypervisorError(HypervisorErrorKind.InvalidArgument, $"{what} {vm.Name}: {why}")
            : null;
    }
}
