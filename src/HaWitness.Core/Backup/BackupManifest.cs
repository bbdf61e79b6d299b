using System.Text.Json.Serialization;

namespace HaWitness.Core.Backup;

/// <summary>
/// The last entry of a backup archive (<c>manifest.json</c>): what the archive holds and the
/// SHA-256 of every part, checked in full before a restore writes anything.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="Version">Archive layout version; a restore refuses versions it does not know.</param>
/// <param name="CreatedAt">When the backup was taken (wall clock, for people).</param>
/// <param name="Source">How it was taken: <c>live</c> (by the running appliance) or <c>offline</c> (appliance stopped).</param>
/// <param name="RaftPosition">The Raft log position the copy was taken at (term, last entry, committed, applied), or null offline.</param>
/// <param name="Parts">Every other entry of the archive, in order.</param>
public sealed record BackupManifest(string Format, int Version, DateTimeOffset CreatedAt, string Source, string? RaftPosition, IReadOnlyList<BackupPart> Parts)
{
    /// <summary>The archive entry that holds the manifest.</summary>
    public const string EntryName = "manifest.json";

    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "hawitness-backup";

    /// <summary>The layout version this build writes and reads.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>One file of the data directory inside the archive.</summary>
/// <param name="Path">Relative path inside the data directory, '/'-separated.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
public sealed record BackupPart(string Path, long Size, string Sha256);

/// <summary>Source-generated JSON for the manifest (Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class BackupJson : JsonSerializerContext;
