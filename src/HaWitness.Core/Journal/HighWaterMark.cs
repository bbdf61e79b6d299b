using System.Globalization;
using System.Text;
using HaWitness.Core.Storage;

namespace HaWitness.Core.Journal;

/// <summary>
/// The highest decision and event ids known to be durable in the journal, kept in a small file
/// beside it (<c>journal.hwm</c>), apart from the WAL. It is written only after the commits it
/// covers returned (with <c>synchronous=FULL</c> they are on disk), so a journal that opens with
/// lower ids than the mark lost committed rows: a truncated or damaged WAL, or an old copy.
/// </summary>
/// <param name="Decisions">Highest decision id ever committed (SQLite's AUTOINCREMENT sequence).</param>
/// <param name="Events">Highest event id ever committed.</param>
public readonly record struct HighWaterMark(long Decisions, long Events)
{
    /// <summary>File name of the mark inside the data directory.</summary>
    public const string FileName = "journal.hwm";

    private const string Magic = "hawitness-journal-hwm 1";

    /// <summary>The mark's path for a journal file.</summary>
    public static string PathFor(string journalPath) =>
        Path.Combine(Path.GetDirectoryName(journalPath)!, Path.GetFileNameWithoutExtension(journalPath) + ".hwm"); // journal.db: journal.hwm; one mark per journal file

    /// <summary>True when every id of the mark is at or below <paramref name="other"/>'s.</summary>
    public bool IsCoveredBy(HighWaterMark other) => Decisions <= other.Decisions && Events <= other.Events;

    /// <summary>Reads the mark; null when there is none.</summary>
    /// <exception cref="JournalOpenException">The file exists but is not a mark.</exception>
    internal static HighWaterMark? Read(string path)
    {
        string text;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JournalOpenException($"journal high-water mark {path}: cannot read it: {ex.Message}", ex);
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 3 && lines[0] == Magic
            && TryValue(lines[1], "decisions ", out long d) && TryValue(lines[2], "events ", out long e))
        {
            return new HighWaterMark(d, e);
        }

        throw new JournalOpenException(
            $"journal high-water mark {path} is unreadable; the journal was left untouched: check the data directory (move the mark away only if you trust the journal)");
    }

    /// <summary>Replaces the mark durably (fsync, rename, directory fsync).</summary>
    /// <exception cref="IOException">The disk is full or failing; the previous mark stays.</exception>
    internal void Write(string path) =>
        DurableFile.Replace(path, Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{Magic}\ndecisions {Decisions}\nevents {Events}\n")));

    private static bool TryValue(string line, string prefix, out long value)
    {
        value = 0;
        return line.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(line.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
