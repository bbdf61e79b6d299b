using System.Text;

namespace HaWitness.Fencing.Targets.Tgt;

/// <summary>
/// The file under <c>/etc/tgt/conf.d/</c> that keeps a restart of tgtd (tgt-admin -e) from
/// re-opening a fenced host: for every target HaWitness manages, its name ACLs and the
/// <see cref="TgtAcl.NoAddress"/> line. tgt-admin merges blocks of the same target across files
/// (<c>-MergeDuplicateBlocks</c>), so the operator's own file keeps the LUNs and must carry no
/// initiator lines for these targets.
/// </summary>
internal static class TgtPersistence
{
    public const string FileName = "hawitness.conf";

    // $1 = file, $2 = content. Written beside and renamed: a crash leaves the old file or the new.
    // coreutils' sync fsyncs the files it is given: the new file before the rename (else a power
    // cut can leave the renamed name on an empty file) and the directory after it (else the rename
    // itself can be lost).
    private const string WriteScript =
        "umask 022 && printf '%s' \"$2\" > \"$1.tmp\" && sync \"$1.tmp\" && mv -f \"$1.tmp\" \"$1\" && sync \"${1%/*}/\"";

    public static string Render(IEnumerable<TgtTarget> managed)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by HaWitness after every grant and fence: the initiator ACLs of the targets it manages.\n");
        sb.Append("# Do not edit. Keep these targets' LUNs in your own tgt files, with no initiator-name or\n");
        sb.Append("# initiator-address lines there: tgt-admin merges the blocks of one target across files.\n");
        sb.Append("# ").Append(TgtAcl.NoAddress).Append(" matches no initiator; it stops tgt-admin from binding ALL.\n");
        foreach (var target in managed.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            sb.Append("\n<target ").Append(target.Name).Append(">\n");
            sb.Append("    initiator-address ").Append(TgtAcl.NoAddress).Append('\n');
            foreach (var name in TgtAcl.Names(target).Order(StringComparer.Ordinal))
            {
                sb.Append("    initiator-name ").Append(name).Append('\n');
            }

            sb.Append("</target>\n");
        }

        return sb.ToString();
    }

    /// <summary>The argument vector that writes <paramref name="content"/> to <paramref name="directory"/>/hawitness.conf.</summary>
    public static string[] WriteCommand(string directory, string content) =>
        ["sh", "-c", WriteScript, "hawitness-persist", directory.TrimEnd('/') + "/" + FileName, content];
}
