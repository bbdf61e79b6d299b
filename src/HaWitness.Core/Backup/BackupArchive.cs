using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;

namespace HaWitness.Core.Backup;

/// <summary>
/// Reads a backup archive and checks it whole: regular files with plain relative names only (no
/// <c>..</c>, no absolute path, no link, no device), each once, the manifest last, and every part
/// with the size and SHA-256 the manifest gives. Extracts into a directory of the caller's (which
/// it throws away on refusal) or only checks.
/// </summary>
public static class BackupArchive
{
    private const int MaxManifestBytes = 1 << 20;
    private const int MaxNameLength = 255;

    /// <summary>Checks the archive in <paramref name="file"/> without writing anything.</summary>
    /// <exception cref="BackupException">The archive is refused; the message says why.</exception>
    public static async Task<BackupManifest> VerifyAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = Open(file);
        return await ReadAsync(stream, file, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks the archive in <paramref name="file"/> and writes its parts under <paramref name="destination"/> (an empty directory).</summary>
    /// <exception cref="BackupException">The archive is refused; what was written under <paramref name="destination"/> is the caller's to delete.</exception>
    public static async Task<BackupManifest> ExtractAsync(string file, string destination, CancellationToken cancellationToken)
    {
        await using var stream = Open(file);
        return await ReadAsync(stream, file, Path.GetFullPath(destination), cancellationToken).ConfigureAwait(false);
    }

    private static FileStream Open(string file)
    {
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException($"cannot read {file}: {ex.Message}", ex);
        }
    }

    private static async Task<BackupManifest> ReadAsync(Stream stream, string file, string? destination, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, (long Size, string Sha256)>(StringComparer.Ordinal);
        byte[]? manifestJson = null;
        try
        {
            using var tar = new TarReader(stream, leaveOpen: true);
            while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (manifestJson is not null)
                {
                    throw Refused(file, $"entry '{entry.Name}' follows the manifest");
                }

                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    throw Refused(file, $"entry '{entry.Name}' is a {entry.EntryType}: a backup holds regular files only");
                }

                CheckName(file, entry.Name);
                if (entry.Name == BackupManifest.EntryName)
                {
                    if (entry.Length > MaxManifestBytes)
                    {
                        throw Refused(file, "the manifest is too large");
                    }

                    using var body = new MemoryStream();
                    if (entry.DataStream is not null)
                    {
                        await entry.DataStream.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
                    }

                    manifestJson = body.ToArray();
                    continue;
                }

                if (!seen.TryAdd(entry.Name, default))
                {
                    throw Refused(file, $"entry '{entry.Name}' appears twice");
                }

                seen[entry.Name] = await CopyAsync(entry, destination, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw Refused(file, "it is damaged or truncated (" + ex.Message + ")");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException($"cannot read {file} or write its parts: {ex.Message}", ex);
        }

        var manifest = Parse(file, manifestJson);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in manifest.Parts)
        {
            if (!listed.Add(part.Path))
            {
                throw Refused(file, $"the manifest lists '{part.Path}' twice");
            }

            if (!seen.TryGetValue(part.Path, out var found))
            {
                throw Refused(file, $"'{part.Path}' is in the manifest but not in the archive");
            }

            if (found.Size != part.Size || !string.Equals(found.Sha256, part.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw Refused(file, $"'{part.Path}' does not match its checksum (SHA-256 {found.Sha256}, {found.Size} bytes; the manifest says {part.Sha256}, {part.Size} bytes)");
            }
        }

        if (seen.Keys.FirstOrDefault(name => !listed.Contains(name)) is { } extra)
        {
            throw Refused(file, $"'{extra}' is in the archive but not in the manifest");
        }

        return manifest;
    }

    private static BackupManifest Parse(string file, byte[]? json)
    {
        if (json is null)
        {
            throw Refused(file, $"it has no {BackupManifest.EntryName} at its end: not a HaWitness backup, or cut short");
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, BackupJson.Default.BackupManifest);
        }
        catch (JsonException ex)
        {
            throw Refused(file, $"its {BackupManifest.EntryName} is not valid ({ex.Message})");
        }

        if (manifest is null || manifest.Format != BackupManifest.FormatName || manifest.Parts is null)
        {
            throw Refused(file, $"its {BackupManifest.EntryName} is not a HaWitness backup manifest");
        }

        if (manifest.Version != BackupManifest.CurrentVersion)
        {
            throw Refused(file, $"it has layout version {manifest.Version}; this hawitness reads version {BackupManifest.CurrentVersion}");
        }

        return manifest;
    }

    /// <summary>Plain relative names only: no absolute path, no <c>..</c> or <c>.</c> step, no empty step, no backslash or NUL.</summary>
    private static void CheckName(string file, string name)
    {
        if (name.Length is 0 or > MaxNameLength || name[0] == '/' || name.Contains('\\', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal)
            || name.Split('/').Any(step => step is "" or "." or ".."))
        {
            throw Refused(file, $"entry '{name}' is not a plain relative path inside the data directory");
        }
    }

    private static async Task<(long Size, string Sha256)> CopyAsync(TarEntry entry, string? destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        FileStream? output = null;
        if (destination is not null)
        {
            string target = Path.GetFullPath(Path.Combine(destination, entry.Name));
            if (!target.StartsWith(destination + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new BackupException($"entry '{entry.Name}' leaves the data directory");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            output = new FileStream(target, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                Options = FileOptions.Asynchronous,
            });
        }

        long size = 0;
        await using (output)
        {
            if (entry.DataStream is { } data)
            {
                byte[] buffer = new byte[81920];
                int n;
                while ((n = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    size += n;
                    if (output is not null)
                    {
                        await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            output?.Flush(flushToDisk: true);
        }

        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static BackupException Refused(string file, string why) => new($"{file} is refused: {why}");
}
