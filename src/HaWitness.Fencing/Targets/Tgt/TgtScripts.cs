using System.Globalization;
using System.Text;

namespace HaWitness.Fencing.Targets.Tgt;

/// <summary>
/// The two fixed shell scripts a tgt fence runs, each as ONE remote command
/// <c>sh -c SCRIPT NAME ARGS...</c>: the script text is a constant, every value (the validated
/// initiator, numbers, the expected ACL map, the ACL file) is a positional parameter quoted by
/// <see cref="Ssh.ShellQuote"/>, never spliced into the script. Both run under <c>/bin/sh</c>
/// whatever the login shell is, and frame their output for <see cref="ScriptOutput"/>.
/// </summary>
internal static class TgtScripts
{
    /// <summary>The <c>$0</c> of the fence script (shows in <c>ps</c> on the target host).</summary>
    public const string FenceName = "hawitness-tgt-fence";

    /// <summary>The <c>$0</c> of the verify script.</summary>
    public const string VerifyName = "hawitness-tgt-verify";

    /// <summary>First line of an ACL map, so that the map of no targets is not the empty string ("no plan").</summary>
    public const string MapHeader = "acl-map v1";

    // Shared: markers, tgtadm with or without -C, a check that list arguments are numbers. No
    // clock: on a loaded host each `date` fork costs milliseconds; the appliance times the whole
    // invocation. Texts go to awk through here-documents (no extra process for a pipe).
    private const string Prelude = """
        set -f
        n=$1 cp=$2 ini=$3
        nl='
        '
        m() { printf '@@%s %s\n' "$n" "$*"; }
        fin() { m end "$1"; exit 0; }
        adm() { if [ "$cp" = 0 ]; then tgtadm --lld iscsi "$@"; else tgtadm -C "$cp" --lld iscsi "$@"; fi; }
        num() { for x in "$@"; do case $x in ''|*[!0-9]*) m bad-argument; fin failed ;; esac; done; }
        """;

    /// <summary>
    /// $1 nonce, $2 tgtd control port (0: default), $3 initiator, $4 the ACL map the plan was made
    /// from (<see cref="Map"/>; empty: no plan, only read), $5 tids to unbind, $6 managed tids,
    /// $7 ACL file (empty: do not persist), $8 its content.
    /// <list type="number">
    /// <item>Reads the targets (<c>read RC</c>, the listing follows). If their ACL map is not $4,
    /// prints the map it saw (<c>stale</c>) and ends <c>stale</c> having touched nothing: the caller
    /// plans again.</item>
    /// <item>Unbinds the initiator on every tid of $5 (<c>unbind TID RC</c>); then, read after the
    /// unbinds, lists the connections (<c>conns TID RC</c>) of each tid of $5 and of each managed
    /// tid whose read showed a session of it, and deletes each of its connections
    /// (<c>delete TID SID CID RC</c>).</item>
    /// <item>Writes the ACL file beside, fsyncs it, renames it and fsyncs its directory
    /// (<c>persist RC</c>): a power cut after the fence leaves the new ACLs on disk, not an empty
    /// or old file that would re-open the fenced host at the next tgtd start.</item>
    /// </list>
    /// Stops at the first failing step (<c>end failed</c>), except "does not exist" on unbind and
    /// "can't find" on delete (already done), and a failed persist (reported; the fence is then
    /// not verified). A step's stderr follows its marker (a listing's goes to stderr).
    /// </summary>
    public const string Fence = Prelude + """

        want=$4 unbind=$5 managed=$6 file=$7 content=$8
        num "$cp" $unbind $managed
        out=$(adm --op show --mode target); rc=$?
        m read $rc
        printf '%s\n' "$out"
        [ $rc = 0 ] || fin failed
        # The ACL map as TgtScripts.Map renders it, then a last line: N and the managed tids whose
        # read shows a session of the initiator.
        all=$(I=$ini M=" $managed " awk '
          BEGIN { print "acl-map v1" }
          { sub(/[ \t\r]+$/, "") }
          $0 == "" { next }
          /^Target / { c = index($0, ":"); tid = substr($0, 8, c - 8); x = substr($0, c + 1); sub(/^[ \t]+/, "", x); print "T " tid " " x; s = ""; next }
          { x = $0; sub(/^[ \t]+/, "", x) }
          length($0) - length(x) <= 4 && x ~ /:$/ { s = x; next }
          s == "ACL information:" { print "A " x }
          (x == "Initiator: " ENVIRON["I"] || index(x, "Initiator: " ENVIRON["I"] " ") == 1) && index(ENVIRON["M"], " " tid " ") { nx = nx " " tid }
          END { print "N" nx }' <<EOF
        $out
        EOF
        )
        seen=${all%"$nl"*} nexus=${all##*"$nl"N}
        if [ "$seen" != "$want" ]; then m stale; printf '%s\n' "$seen"; fin stale; fi
        num $nexus
        for tid in $unbind; do
          err=$(adm --op unbind --mode target --tid "$tid" --initiator-name "$ini" 2>&1 >/dev/null); rc=$?
          m unbind "$tid" $rc
          [ -z "$err" ] || printf '%s\n' "$err"
          if [ $rc != 0 ]; then case $err in *"does not exist"*) ;; *) fin failed ;; esac; fi
        done
        scan=$unbind
        for tid in $nexus; do case " $scan " in *" $tid "*) ;; *) scan="$scan $tid" ;; esac; done
        for tid in $scan; do
          conns=$(adm --op show --mode conn --tid "$tid"); rc=$?
          m conns "$tid" $rc
          printf '%s\n' "$conns"
          [ $rc = 0 ] || fin failed
          mine=$(I=$ini awk '
            { x = $0; sub(/^[ \t]+/, "", x); sub(/[ \t\r]+$/, "", x) }
            x ~ /^Session:/ { s = x; sub(/^Session:[ \t]*/, "", s); c = ""; next }
            x ~ /^Connection:/ { c = x; sub(/^Connection:[ \t]*/, "", c); next }
            x ~ /^Initiator:/ && s != "" && c != "" { i = x; sub(/^Initiator:[ \t]*/, "", i); sub(/[ \t].*$/, "", i); if (i == ENVIRON["I"]) print s "/" c }' <<EOF
        $conns
        EOF
        )
          for sc in $mine; do
            sid=${sc%%/*} cid=${sc#*/}
            num "$sid" "$cid"
            err=$(adm --op delete --mode conn --tid "$tid" --sid "$sid" --cid "$cid" 2>&1 >/dev/null); rc=$?
            m delete "$tid" "$sid" "$cid" $rc
            [ -z "$err" ] || printf '%s\n' "$err"
            if [ $rc != 0 ]; then case $err in *"can't find"*) ;; *) fin failed ;; esac; fi
          done
        done
        if [ -n "$file" ]; then
          err=$({ umask 022 && printf '%s' "$content" > "$file.tmp" && sync "$file.tmp" && mv -f "$file.tmp" "$file" && sync "${file%/*}/"; } 2>&1); rc=$?
          m persist $rc
          [ -z "$err" ] || printf '%s\n' "$err"
        fi
        fin done
        """;

    /// <summary>
    /// $1 nonce, $2 control port, $3 initiator, $4 managed tids, $5 re-reads allowed, $6 pause
    /// between them (seconds). Reads the targets (<c>read RC</c>); while a managed target still
    /// lists the initiator (a dropped session can be listed for a moment) and re-reads are left,
    /// pauses and reads again; prints the last listing (<c>listing</c>). Whether that shows a
    /// fence is decided by the caller's parser, not here.
    /// </summary>
    public const string Verify = Prelude + """

        managed=$4 more=$5 pause=$6
        num "$cp" $managed "$more"
        i=0
        while :; do
          out=$(adm --op show --mode target); rc=$?
          m read $rc
          [ $rc = 0 ] || { printf '%s\n' "$out"; fin failed; }
          I=$ini M=" $managed " awk '
            { sub(/[ \t\r]+$/, "") }
            /^Target / { c = index($0, ":"); on = index(ENVIRON["M"], " " substr($0, 8, c - 8) " ") > 0; next }
            on { x = $0; sub(/^[ \t]+/, "", x); if (x == ENVIRON["I"] || x == "Initiator: " ENVIRON["I"] || index(x, "Initiator: " ENVIRON["I"] " ") == 1) f = 1 }
            END { exit !f }' <<EOF || break
        $out
        EOF
          [ "$i" -lt "$more" ] || break
          i=$((i + 1))
          sleep "$pause" 2>/dev/null || sleep 1
        done
        m listing
        printf '%s\n' "$out"
        fin done
        """;

    /// <summary>
    /// The ACL map of a listing as the fence script's awk prints it: <see cref="MapHeader"/>, then
    /// per target <c>T TID NAME</c> and per ACL entry <c>A ENTRY</c> (no trailing newline).
    /// </summary>
    public static string Map(IEnumerable<TgtTarget> targets)
    {
        var sb = new StringBuilder(MapHeader);
        foreach (var t in targets)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nT {t.Tid} {t.Name}");
            foreach (var acl in t.Acls)
            {
                sb.Append("\nA ").Append(acl);
            }
        }

        return sb.ToString();
    }

    /// <summary>Tids as one positional parameter (<c>"1 3"</c>).</summary>
    public static string Tids(IEnumerable<int> tids) => string.Join(' ', tids.Select(t => t.ToString(CultureInfo.InvariantCulture)));
}
