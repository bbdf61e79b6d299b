using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace HaWitness.Core.Configuration;

/// <summary>
/// Builds the layered configuration every HaWitness program uses: embedded defaults (the options
/// classes' initial values), then the JSON file, then <c>HAWITNESS_*</c> environment variables,
/// then command-line options. Later layers win.
/// </summary>
public static partial class ConfigurationSources
{
    /// <summary>
    /// Reads the layers. <paramref name="explicitFile"/> must exist when given; the default file
    /// is optional (with no file at all the embedded defaults serve).
    /// </summary>
    /// <exception cref="ConfigurationException">The file is missing (when named) or is not valid JSON.</exception>
    public static IConfigurationRoot Build(
        string? explicitFile,
        string defaultFile,
        string environmentPrefix,
        IEnumerable<KeyValuePair<string, string?>> commandLine)
    {
        string file = explicitFile ?? defaultFile;
        bool optional = explicitFile is null;
        string full = Path.GetFullPath(file);
        if (!optional && !File.Exists(full))
        {
            throw new ConfigurationException($"config file {full} does not exist");
        }

        if (File.Exists(full))
        {
            // Parse once ourselves so that a syntax error names the line and column.
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(full), new JsonDocumentOptions
                {
                    CommentHandling = JsonCommentHandling.Skip,
                    AllowTrailingCommas = true,
                });
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new ConfigurationException($"config file {full}: the top level must be a JSON object");
                }
            }
            catch (JsonException ex)
            {
                throw new ConfigurationException(
                    $"config file {full}: invalid JSON at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}: {FirstSentence(ex.Message)}", ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"config file {full}: cannot read it: {ex.Message}", ex);
            }
        }

        var builder = new ConfigurationBuilder();
        if (File.Exists(full))
        {
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddInMemoryCollection(EnvironmentLayer(environmentPrefix));
        builder.AddInMemoryCollection(commandLine.Where(kv => kv.Value is not null));
        try
        {
            return builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
        {
            throw new ConfigurationException($"config file {full}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// <c>PREFIX_Section__Key=value</c> variables as <c>Section:Key</c>. Variables of the other
    /// program (<c>HAWITNESS_AGENT_</c> seen from the appliance), of the operator CLI
    /// (<c>HAWITNESS_CLI_URL</c>, <c>HAWITNESS_CLI_PASSWORD</c>) and of the test harness
    /// (<c>HAWITNESS_TEST_</c>) are not ours and are skipped, so unknown keys can stay errors.
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, string?>> EnvironmentLayer(string prefix)
    {
        string[] foreign = ["HAWITNESS_TEST_", "HAWITNESS_AGENT_", "HAWITNESS_CLI_"];
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string name = (string)e.Key;
            if (!name.StartsWith(prefix, StringComparison.Ordinal)
                || foreign.Any(f => f != prefix && f.StartsWith(prefix, StringComparison.Ordinal) && name.StartsWith(f, StringComparison.Ordinal)))
            {
                continue;
            }

            yield return KeyValuePair.Create(name[prefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)e.Value);
        }
    }

    /// <summary>Turns a binder failure into one line naming the key.</summary>
    public static ConfigurationException BindFailure(InvalidOperationException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        string message = ex.Message.ReplaceLineEndings(" ");
        var unknown = UnknownKeys().Match(message);
        if (unknown.Success)
        {
            string type = unknown.Groups["type"].Value;
            string section = type[(type.LastIndexOf('.') + 1)..];
            return new ConfigurationException($"config: unknown key {unknown.Groups["keys"].Value.Trim()} (in {section}); check the spelling (allowed keys are listed in docs/configuration.md)", ex);
        }

        var convert = ConversionFailure().Match(message);
        if (convert.Success)
        {
            return new ConfigurationException(
                $"config: {convert.Groups["key"].Value} = '{convert.Groups["value"].Value}' is not a valid {FriendlyType(convert.Groups["type"].Value)}", ex);
        }

        return new ConfigurationException("config: " + message, ex);
    }

    private static string FriendlyType(string clrType) => clrType switch
    {
        "System.Int32" or "System.Int64" => "whole number",
        "System.Boolean" => "boolean (true or false)",
        "System.Double" => "number",
        _ => clrType,
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"were not found on the instance of (?<type>[\w.]+): (?<keys>.+)$")]
    private static partial System.Text.RegularExpressions.Regex UnknownKeys();

    [System.Text.RegularExpressions.GeneratedRegex(@"value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ConversionFailure();

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message;
    }
}
