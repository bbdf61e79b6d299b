using System.Text;

namespace HaWitness.Operator.Client;

/// <summary>Plain-text tables for people: left-aligned columns, two spaces apart, a header line.</summary>
internal static class Table
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = new int[headers.Count];
        foreach (var row in all)
        {
            for (int i = 0; i < widths.Length && i < row.Count; i++)
            {
                widths[i] = Math.Max(widths[i], Clean(row[i]).Length);
            }
        }

        var sb = new StringBuilder();
        foreach (var row in all)
        {
            for (int i = 0; i < widths.Length; i++)
            {
                string cell = i < row.Count ? Clean(row[i]) : string.Empty;
                sb.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>No control characters from the appliance's data reach the terminal (names come from agents).</summary>
    public static string Clean(string? s) =>
        string.IsNullOrEmpty(s) ? string.Empty : string.Concat(s.Select(c => char.IsControl(c) ? '?' : c));
}
