using System.Security.Cryptography;

namespace HaWitness.Fencing.Targets;

/// <summary>One marked block of a remote script's output: <c>@@NONCE KIND FIELD...</c> and the lines after it.</summary>
/// <param name="Kind">The first word after the marker (<c>read</c>, <c>unbind</c>, <c>end</c>...).</param>
/// <param name="Fields">The other words of the marker line.</param>
/// <param name="Body">The lines up to the next marker, joined with <c>\n</c> (no trailing newline).</param>
internal sealed record ScriptBlock(string Kind, IReadOnlyList<string> Fields, string Body);

/// <summary>
/// The framing of HaWitness's remote scripts. Each invocation gets a fresh random nonce as an
/// argument; the script marks each step with a line <c>@@NONCE KIND FIELDS</c>, prints what the step
/// read after it, and ends with <c>@@NONCE end STATUS</c>. Output that does not carry this
/// invocation's nonce (a replayed, cached or unrelated answer), that has text before the first
/// marker, or that stops before the end marker (the script died) is refused as unparsable: only
/// what this very invocation printed is ever read.
/// </summary>
internal static class ScriptOutput
{
    /// <summary>A fresh nonce: 32 lowercase hex digits.</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Splits <paramref name="stdout"/> into blocks; the last one is the end marker.</summary>
    /// <exception cref="TargetException">Not this invocation's complete output (<see cref="TargetErrorKind.UnparsableOutput"/>).</exception>
    public static IReadOnlyList<ScriptBlock> Parse(string stdout, string nonce, string script)
    {
        string marker = "@@" + nonce + " ";
        var blocks = new List<ScriptBlock>();
        string? kind = null;
        string[] fields = [];
        var body = new List<string>();
        var lines = stdout.Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++)
        {
            string line = lines[i];
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                if (kind is not null)
                {
                    blocks.Add(new ScriptBlock(kind, fields, string.Join('\n', body)));
                }

                var words = line[marker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0)
                {
                    throw Unparsable(script, $"an empty marker on line {i + 1}");
                }

                kind = words[0];
                fields = words[1..];
                body.Clear();
            }
            else if (kind is null)
            {
                throw Unparsable(script, line.Contains("@@", StringComparison.Ordinal)
                    ? "it does not carry this invocation's nonce (a stale or replayed answer is never read)"
                    : $"text before the first marker: '{Clip(line)}'");
            }
            else
            {
                body.Add(line);
            }
        }

        if (kind is null)
        {
            throw Unparsable(script, "no output at all");
        }

        blocks.Add(new ScriptBlock(kind, fields, string.Join('\n', body)));
        var end = blocks[^1];
        if (end.Kind != "end" || end.Fields.Count != 1)
        {
            throw Unparsable(script, "it stopped before its end marker (the script did not finish)");
        }

        if (blocks.Take(blocks.Count - 1).Any(b => b.Kind == "end"))
        {
            throw Unparsable(script, "more than one end marker");
        }

        return blocks;
    }

    public static TargetException Unparsable(string script, string why) =>
        TargetException.Of(TargetErrorKind.UnparsableOutput, $"output of the remote {script} script not understood: {why}");

    private static string Clip(string s) => s.Length > 80 ? s[..80] + "..." : s;
}
