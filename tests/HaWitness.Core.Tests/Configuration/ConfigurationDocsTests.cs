using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using HaWitness.Core.Configuration;

namespace HaWitness.Core.Tests.Configuration;

/// <summary>
/// docs/configuration.md lists every key the option classes bind, with the real defaults: the
/// classes are walked by reflection (public settable properties, get-only collections the binder
/// fills, nested sections) and every key must have a row <c>| `Section:Key` | default | allowed | meaning |</c>
/// under the program's heading; a default written in backticks must equal the class's initial value.
/// </summary>
public sealed partial class ConfigurationDocsTests
{
    private const string ApplianceHeading = "## Appliance keys";
    private const string AgentHeading = "## Agent keys";

    [Fact]
    public void Every_appliance_key_is_documented_with_its_default() =>
        Assert.Empty(Problems(new ApplianceOptions(), Section(Doc(), ApplianceHeading)));

    [Fact]
    public void Every_agent_key_is_documented_with_its_default() =>
        Assert.Empty(Problems(new AgentOptions(), Section(Doc(), AgentHeading)));

    [Fact]
    public void A_missing_row_is_named()
    {
        string section = Section(Doc(), ApplianceHeading);
        string without = string.Join('\n', section.Split('\n').Where(l => !l.StartsWith("| `Journal:MaxEvents` |", StringComparison.Ordinal)));

        var problems = Problems(new ApplianceOptions(), without);

        Assert.Equal(["Journal:MaxEvents: no row in docs/configuration.md"], problems);
    }

    [Fact]
    public void A_wrong_default_is_named()
    {
        string section = Section(Doc(), AgentHeading).Replace("| `WatchdogTimeoutMs` | `6000` |", "| `WatchdogTimeoutMs` | `5000` |", StringComparison.Ordinal);

        var problems = Problems(new AgentOptions(), section);

        Assert.Equal(["WatchdogTimeoutMs: documented default `5000`, the program's is `6000`"], problems);
    }

    [Fact]
    public void The_walk_finds_nested_sections_and_collections()
    {
        var keys = Keys(new ApplianceOptions(), string.Empty).Select(k => k.Key).ToList();

        Assert.Contains("Lease:DriftBound", keys);
        Assert.Contains("Alarms:Command", keys);
        Assert.Contains("Target:Enabled", keys);
        Assert.DoesNotContain("Lease", keys);
    }

    /// <summary>Every problem, one line each: a key with no row, a row for no key, a backticked default that differs.</summary>
    private static List<string> Problems(object options, string docSection)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in RowPattern().Matches(docSection))
        {
            rows[m.Groups["key"].Value] = m.Groups["default"].Value.Trim();
        }

        var problems = new List<string>();
        var keys = Keys(options, string.Empty).ToList();
        foreach (var (key, value) in keys)
        {
            if (!rows.TryGetValue(key, out string? cell))
            {
                problems.Add($"{key}: no row in docs/configuration.md");
                continue;
            }

            var documented = DefaultPattern().Match(cell);
            string? actual = Text(value);
            if (documented.Success && documented.Groups[1].Value != actual)
            {
                problems.Add($"{key}: documented default `{documented.Groups[1].Value}`, the program's is `{actual}`");
            }
        }

        problems.AddRange(rows.Keys.Except(keys.Select(k => k.Key)).Select(k => $"{k}: documented, but no such key"));
        return problems;
    }

    /// <summary>The keys the binder reads, with their initial values: <c>Section:Key</c> for nested classes.</summary>
    private static IEnumerable<(string Key, object? Value)> Keys(object options, string prefix)
    {
        foreach (var p in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? value = p.GetValue(options);
            bool settable = p.SetMethod is { IsPublic: true };
            bool collection = p.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(p.PropertyType);
            if (!settable && !collection)
            {
                continue;
            }

            if (value is not null && p.PropertyType.Namespace == typeof(ApplianceOptions).Namespace && p.PropertyType.IsClass)
            {
                foreach (var nested in Keys(value, prefix + p.Name + ":"))
                {
                    yield return nested;
                }

                continue;
            }

            yield return (prefix + p.Name, value);
        }
    }

    /// <summary>A value as the docs write it: booleans in lower case, numbers invariant, an empty list as null.</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable e => e.Cast<object>().Any() ? string.Join(',', e.Cast<object>()) : null,
        _ => value.ToString(),
    };

    /// <summary>The text from a heading to the next heading of the same level.</summary>
    private static string Section(string doc, string heading)
    {
        int start = doc.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/configuration.md has no '{heading}' heading");
        int end = doc.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? doc[start..] : doc[start..end];
    }

    private static string Doc()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "HaWitness.sln")))
            {
                return File.ReadAllText(Path.Combine(d.FullName, "docs", "configuration.md")).ReplaceLineEndings("\n");
            }
        }

        throw new InvalidOperationException("HaWitness.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A table row whose first cell is a backticked key.</summary>
    [GeneratedRegex(@"^\| `(?<key>[A-Za-z]+(?::[A-Za-z]+)?)` \|(?<default>[^|]*)\|", RegexOptions.Multiline)]
    private static partial Regex RowPattern();

    /// <summary>A default cell that starts with a backticked value.</summary>
    [GeneratedRegex(@"^`([^`]*)`")]
    private static partial Regex DefaultPattern();
}
