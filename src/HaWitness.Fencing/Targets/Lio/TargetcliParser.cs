using System.Globalization;
using System.Text.RegularExpressions;

namespace HaWitness.Fencing.Targets.Lio;

/// <summary>
/// Parses targetcli-fb's <c>ls /iscsi</c> tree and <c>sessions detail</c>. Unknown nodes and lines
/// are skipped; output that is not targetcli's is refused as unparsable.
/// </summary>
internal static partial class TargetcliParser
{
    /// <summary>Parses <c>targetcli ls /iscsi</c>.</summary>
    public static IReadOnlyList<LioTpg> ParseTree(string output)
    {
        var tpgs = new List<TpgBuilder>();
        var path = new List<string>();
        bool sawRoot = false;
        TpgBuilder? tpg = null;
        int lineNo = 0;
        foreach (var raw in output.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNo++;
            if (raw.Trim().Length == 0)
            {
                continue;
            }

            var m = Node().Match(raw);
            if (!m.Success)
            {
                throw Unparsable($"line {lineNo} is not a tree node: '{Clip(raw.Trim())}'");
            }

            int depth = m.Groups["indent"].Length / 2;
            string name = m.Groups["name"].Value;
            string info = m.Groups["info"].Value;
            if (!sawRoot)
            {
                if (depth != 0 || name != "iscsi")
                {
                    throw Unparsable($"expected the tree to start at 'o- iscsi', found '{Clip(raw.Trim())}'");
                }

                sawRoot = true;
            }

            if (depth > path.Count)
            {
                throw Unparsable($"line {lineNo} skips a tree level: '{Clip(raw.Trim())}'");
            }

            path.RemoveRange(depth, path.Count - depth);
            path.Add(name);
            switch (depth)
            {
                case 2:
                    tpg = new TpgBuilder(path[1], name, info);
                    tpgs.Add(tpg);
                    break;
                case 4 when tpg is not null && path[3] == "acls":
                    tpg.Acls.Add(name);
                    break;
                case 4 when tpg is not null && path[3] == "luns" && name.StartsWith("lun", StringComparison.Ordinal)
                    && int.TryParse(name.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int lun):
                    tpg.Luns.Add(new LunInfo(lun, info.Split(' ')[0]));
                    break;
                default:
                    break; // portals, mapped LUNs, other fabrics' nodes: not needed here
            }
        }

        if (!sawRoot)
        {
            throw Unparsable("empty output (expected the 'o- iscsi' tree)");
        }

        return tpgs.Select(t => t.Build()).ToList();
    }

    /// <summary>Parses <c>targetcli sessions detail</c>.</summary>
    public static IReadOnlyList<SessionInfo> ParseSessions(string output)
    {
        var sessions = new List<SessionInfo>();
        string? sid = null;
        int lineNo = 0;
        foreach (var raw in output.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNo++;
            string text = raw.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (text == "(no open sessions)")
            {
                return [];
            }

            if (text.StartsWith("alias:", StringComparison.Ordinal))
            {
                var m = Sid().Match(text);
                if (!m.Success)
                {
                    throw Unparsable($"line {lineNo}: no sid in '{Clip(text)}'");
                }

                sid = m.Groups[1].Value;
            }
            else if (sid is null)
            {
                throw Unparsable($"line {lineNo} should start a session ('alias: ... sid: N') but is '{Clip(text)}'");
            }
            else if (text.StartsWith("name:", StringComparison.Ordinal))
            {
                string name = text["name:".Length..].Trim().Split(' ')[0];
                sessions.Add(new SessionInfo(string.Empty, name, sid, null, null));
            }
            else if (text.StartsWith("address:", StringComparison.Ordinal) && sessions.Count > 0 && sessions[^1].SessionId == sid)
            {
                string address = text["address:".Length..].Trim().Split(' ')[0];
                var cid = Cid().Match(text);
                sessions[^1] = sessions[^1] with { Address = address, ConnectionId = cid.Success ? cid.Groups[1].Value : null };
            }
        }

        return sessions;
    }

    internal static TargetException Unparsable(string message) =>
        TargetException.Of(TargetErrorKind.UnparsableOutput, "targetcli output not understood: " + message);

    private static string Clip(string s) => s.Length > 80 ? s[..80] + "..." : s;

    [GeneratedRegex(@"^(?<indent>[ |]*)o- (?<name>\S+)(?:\s+\.*)?\s*(?:\[(?<info>.*)\])?\s*$")]
    private static partial Regex Node();

    [GeneratedRegex(@"\bsid: (\d+)")]
    private static partial Regex Sid();

    [GeneratedRegex(@"\bcid: (\d+)")]
    private static partial Regex Cid();

    private sealed class TpgBuilder(string target, string tpg, string info)
    {
        public List<string> Acls { get; } = [];

        public List<LunInfo> Luns { get; } = [];

        public LioTpg Build()
        {
            var flags = info.Split(',', StringSplitOptions.TrimEntries);
            bool disabled = flags.Contains("disabled");
            bool? gen = flags.Contains("gen-acls") ? true : flags.Contains("no-gen-acls") ? false : null;
            return new LioTpg(target, tpg, gen, !disabled, Acls, Luns);
        }
    }
}
