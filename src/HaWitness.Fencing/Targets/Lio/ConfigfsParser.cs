using System.Globalization;

namespace HaWitness.Fencing.Targets.Lio;

/// <summary>
/// Parses the lines printed by <see cref="LioConfigfsDriver"/>'s listing script (our own format:
/// <c>tpg T G GEN ENABLE</c>, <c>lun T G lun_N</c>, <c>acl T G INI</c>, <c>session T G INI SID</c>).
/// </summary>
internal static class ConfigfsParser
{
    public static LioState Parse(string output)
    {
        var tpgs = new Dictionary<(string, string), (string Gen, string Enable, List<string> Acls, List<LunInfo> Luns)>();
        var order = new List<(string, string)>();
        var sessions = new List<SessionInfo>();
        int lineNo = 0;
        foreach (var raw in output.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNo++;
            var f = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || f[0] is "noiscsi" or "target")
            {
                continue;
            }

            switch (f[0])
            {
                case "tpg" when f.Length == 5:
                    tpgs[(f[1], f[2])] = (f[3], f[4], [], []);
                    order.Add((f[1], f[2]));
                    break;
                case "lun" when f.Length == 4 && tpgs.TryGetValue((f[1], f[2]), out var t)
                    && f[3].StartsWith("lun_", StringComparison.Ordinal)
                    && int.TryParse(f[3].AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int n):
                    t.Luns.Add(new LunInfo(n, null));
                    break;
                case "acl" when f.Length == 4 && tpgs.TryGetValue((f[1], f[2]), out var t2):
                    t2.Acls.Add(f[3]);
                    break;
                case "session" when f.Length == 5:
                    sessions.Add(new SessionInfo(f[1], f[3], f[4], null, null));
                    break;
                default:
                    throw TargetException.Of(TargetErrorKind.UnparsableOutput,
                        $"configfs listing not understood at line {lineNo}: '{(raw.Length > 80 ? raw[..80] : raw)}'");
            }
        }

        var list = order.Select(k =>
        {
            var v = tpgs[k];
            bool? gen = v.Gen switch { "1" => true, "0" => false, _ => null };
            return new LioTpg(k.Item1, k.Item2, gen, v.Enable != "0", v.Acls, v.Luns);
        }).ToList();
        return new LioState(list, sessions);
    }
}
