using System.Globalization;

namespace HaWitness.Fencing.Targets.Tgt;

/// <summary>
/// Parses tgtadm's text output. Lines it does not know are skipped (tgt versions add fields), but
/// output that does not start the way tgtadm's does is refused as unparsable rather than read as
/// "no targets": an empty answer must mean empty, never "could not read".
/// </summary>
internal static class TgtadmParser
{
    private enum Section
    {
        None,
        System,
        Nexus,
        Lun,
        Acl,
        Other,
    }

    /// <summary>Parses <c>tgtadm --lld iscsi --op show --mode target</c>.</summary>
    /// <exception cref="TargetException">The output is not tgtadm's (<see cref="TargetErrorKind.UnparsableOutput"/>).</exception>
    public static IReadOnlyList<TgtTarget> ParseTargets(string output)
    {
        var targets = new List<TgtTarget>();
        Builder? current = null;
        var section = Section.None;
        int lineNo = 0;
        foreach (var raw in output.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNo++;
            string line = raw.TrimEnd();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("Target ", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    targets.Add(current.Build());
                }

                current = Header(line, lineNo);
                section = Section.None;
                continue;
            }

            if (current is null)
            {
                throw Unparsable($"line {lineNo} should start a target ('Target N: NAME') but is '{Clip(line)}'");
            }

            int indent = line.Length - line.TrimStart().Length;
            string text = line.Trim();
            if (indent <= 4 && text.EndsWith(':'))
            {
                section = text switch
                {
                    "System information:" => Section.System,
                    "I_T nexus information:" => Section.Nexus,
                    "LUN information:" => Section.Lun,
                    "ACL information:" => Section.Acl,
                    _ => Section.Other,
                };
                continue;
            }

            switch (section)
            {
                case Section.System when text.StartsWith("State:", StringComparison.Ordinal):
                    current.State = text["State:".Length..].Trim();
                    break;
                case Section.Nexus:
                    current.NexusLine(text, lineNo);
                    break;
                case Section.Lun:
                    current.LunLine(text, lineNo);
                    break;
                case Section.Acl:
                    current.Acls.Add(text);
                    break;
                default:
                    break; // unknown or uninteresting: tolerated
            }
        }

        if (current is not null)
        {
            targets.Add(current.Build());
        }

        return targets;
    }

    /// <summary>Parses <c>tgtadm --lld iscsi --op show --mode conn --tid N</c>.</summary>
    /// <exception cref="TargetException">The output is not tgtadm's.</exception>
    public static IReadOnlyList<TgtConnection> ParseConnections(string output)
    {
        var result = new List<TgtConnection>();
        long? sid = null;
        long? cid = null;
        int lineNo = 0;
        foreach (var raw in output.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNo++;
            string text = raw.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (text.StartsWith("Session:", StringComparison.Ordinal))
            {
                sid = Number(text["Session:".Length..], lineNo);
                cid = null;
            }
            else if (sid is null)
            {
                throw Unparsable($"line {lineNo} should start a session ('Session: N') but is '{Clip(text)}'");
            }
            else if (text.StartsWith("Connection:", StringComparison.Ordinal))
            {
                cid = Number(text["Connection:".Length..], lineNo);
            }
            else if (text.StartsWith("Initiator:", StringComparison.Ordinal) && cid is not null)
            {
                result.Add(new TgtConnection(sid.Value, cid.Value, FirstWord(text["Initiator:".Length..]), null));
            }
            else if (text.StartsWith("IP Address:", StringComparison.Ordinal) && result.Count > 0 && result[^1].Sid == sid && result[^1].Cid == cid)
            {
                result[^1] = result[^1] with { Address = text["IP Address:".Length..].Trim() };
            }
        }

        return result;
    }

    private static Builder Header(string line, int lineNo)
    {
        // "Target 1: iqn.2026-01.test:t1"
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw Unparsable($"line {lineNo}: '{Clip(line)}' is not 'Target N: NAME'");
        }

        long tid = Number(line["Target ".Length..colon], lineNo);
        string name = line[(colon + 1)..].Trim();
        if (tid is < 1 or > int.MaxValue || name.Length == 0)
        {
            throw Unparsable($"line {lineNo}: '{Clip(line)}' is not 'Target N: NAME'");
        }

        return new Builder((int)tid, name);
    }

    internal static long Number(string text, int lineNo)
    {
        if (!long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            throw Unparsable($"line {lineNo}: '{Clip(text.Trim())}' is not a number");
        }

        return n;
    }

    private static string FirstWord(string text)
    {
        string t = text.Trim();
        int space = t.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? t : t[..space];
    }

    private static string Clip(string s) => s.Length > 80 ? s[..80] + "..." : s;

    private static TargetException Unparsable(string message) =>
        TargetException.Of(TargetErrorKind.UnparsableOutput, "tgtadm output not understood: " + message);

    private sealed class Builder(int tid, string name)
    {
        private readonly List<LunInfo> _luns = [];
        private readonly List<TgtNexus> _nexuses = [];
        private readonly List<TgtConnection> _connections = [];
        private long? _nexus;
        private string? _initiator;

        public string? State { get; set; }

        public List<string> Acls { get; } = [];

        public void NexusLine(string text, int lineNo)
        {
            if (text.StartsWith("I_T nexus:", StringComparison.Ordinal))
            {
                FlushNexus();
                _nexus = Number(text["I_T nexus:".Length..], lineNo);
            }
            else if (text.StartsWith("Initiator:", StringComparison.Ordinal) && _nexus is not null)
            {
                _initiator = FirstWord(text["Initiator:".Length..]);
            }
            else if (text.StartsWith("Connection:", StringComparison.Ordinal) && _nexus is not null)
            {
                _connections.Add(new TgtConnection(_nexus.Value, Number(text["Connection:".Length..], lineNo), _initiator ?? string.Empty, null));
            }
            else if (text.StartsWith("IP Address:", StringComparison.Ordinal) && _connections.Count > 0)
            {
                _connections[^1] = _connections[^1] with { Address = text["IP Address:".Length..].Trim() };
            }
        }

        public void LunLine(string text, int lineNo)
        {
            if (text.StartsWith("LUN:", StringComparison.Ordinal))
            {
                long n = Number(text["LUN:".Length..], lineNo);
                _luns.Add(new LunInfo((int)Math.Min(n, int.MaxValue), null));
            }
            else if (text.StartsWith("Backing store path:", StringComparison.Ordinal) && _luns.Count > 0)
            {
                string path = text["Backing store path:".Length..].Trim();
                _luns[^1] = _luns[^1] with { Backing = path is "None" or "" ? null : path };
            }
        }

        public TgtTarget Build()
        {
            FlushNexus();
            return new TgtTarget(tid, name, State, _luns, Acls, _nexuses);
        }

        private void FlushNexus()
        {
            if (_nexus is { } id)
            {
                _nexuses.Add(new TgtNexus(id, _initiator ?? string.Empty, _connections.ToList()));
            }

            _nexus = null;
            _initiator = null;
            _connections.Clear();
        }
    }
}
