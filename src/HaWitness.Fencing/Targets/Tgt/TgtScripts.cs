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

    // Shared: markers, tgtadm with or without -C, a lap clock in microseconds when date has %N.
    private const string Prelude = """
        set -f
        n=$1 cp=$2 ini=$3
        m() { printf '@@%s %s\n' "$n" "$*"; }
        fin() { m end "$1"; exit 0; }
        adm() { if [ "$cp" = 0 ]; then tgtadm --lld iscsi "$@"; else tgtadm -C "$cp" --lld iscsi "$@"; fi; }
        case $(date +%s%N 2>/dev/null) in *[!0-9]*|'') clock= ;; *) clock=1 ;; esac
        d=- t=
        [ -n "$clock" ] && t=$(date +%s%N)
        lap() { if [ -n "$clock" ]; then t1=$(date +%s%N); d=$(( (t1 - t) / 1000 )); t=$t1; fi; }
        num() { for x in "$@"; do case $x in ''|*[!0-9]*) m bad-argument; fin failed ;; esac; done; }
        """;

    /// <summary>
    /// $1 nonce, $2 tgtd control port (0: default), $3 initiator, $4 the ACL map the plan was made
    /// from (<see cref="Map"/>; empty: no plan, only read), $5 tids to unbind, $6 managed tids,
    /// $7 ACL file (empty: do not persist), $8 its content.
    /// <list type="number">
    /// <item>Reads the targets (<c>read</c>, the listing follows). If their ACL map is not $4, prints
    /// the map it saw and ends <c>stale</c> having touched nothing: the caller plans again.</item>
    /// <item>Unbinds the initiator on every tid of $5 (<c>unbind</c>); then, read after the
    /// unbinds, lists the connections (<c>conns</c>) of each tid of $5 and of each managed tid that
    /// showed a session of it, and deletes each of its connections (<c>delete</c>).</item>
    /// <item>Writes the ACL file beside and renames it (<c>persist</c>).</item>
    /// </list>
    /// Stops at the first failing step (<c>end failed</c>), except "does not exist" on unbind and
    /// "can't find" on delete (already done), and a failed persist (reported; the fence is then
    /// not verified).
    /// </summary>
    public const string Fence = Prelude + """

        want=$4 unbind=$5 managed=$6 file=$7 content=$8
        num "$cp" $unbind $managed
        aclmap() { awk '
          BEGIN { print "acl-map v1" }
          { sub(/[ \t\r]+$/, "") }
          $0 == "" { next }
          /^Target / { c = index($0, ":"); x = substr($0, c + 1); sub(/^[ \t]+/, "", x); print "T " substr($0, 8, c - 8) " " x; s = ""; next }
          { x = $0; sub(/^[ \t]+/, "", x); if (length($0) - length(x) <= 4 && x ~ /:$/) { s = x; next } if (s == "ACL information:") print "A " x }'; }
        out=$(adm --op show --mode target); rc=$?
        lap; m read $rc $d
        printf '%s\n' "$out"
        [ $rc = 0 ] || fin failed
        seen=$(printf '%s\n' "$out" | aclmap)
        if [ "$seen" != "$want" ]; then m stale; printf '%s\n' "$seen"; fin stale; fi
        for tid in $unbind; do
          err=$(adm --op unbind --mode target --tid "$tid" --initiator-name "$ini" 2>&1 >/dev/null); rc=$?
          lap; m unbind "$tid" $rc $d
          [ -z "$err" ] || printf '%s\n' "$err"
          if [ $rc != 0 ]; then case $err in *"does not exist"*) ;; *) fin failed ;; esac; fi
        done
        scan=$unbind
        for tid in $(printf '%s\n' "$out" | I=$ini M=" $managed " awk '
            { sub(/[ \t\r]+$/, "") }
            /^Target / { c = index($0, ":"); tid = substr($0, 8, c - 8); next }
            { x = $0; sub(/^[ \t]+/, "", x) }
            (x == "Initiator: " ENVIRON["I"] || index(x, "Initiator: " ENVIRON["I"] " ") == 1) && index(ENVIRON["M"], " " tid " ") { print tid }'); do
          case " $scan " in *" $tid "*) ;; *) scan="$scan $tid" ;; esac
        done
        for tid in $scan; do
          conns=$(adm --op show --mode conn --tid "$tid"); rc=$?
          lap; m conns "$tid" $rc $d
          printf '%s\n' "$conns"
          [ $rc = 0 ] || fin failed
          for sc in $(printf '%s\n' "$conns" | I=$ini awk '
              { x = $0; sub(/^[ \t]+/, "", x); sub(/[ \t\r]+$/, "", x) }
              x ~ /^Session:/ { s = x; sub(/^Session:[ \t]*/, "", s); c = ""; next }
              x ~ /^Connection:/ { c = x; sub(/^Connection:[ \t]*/, "", c); next }
              x ~ /^Initiator:/ && s != "" && c != "" { i = x; sub(/^Initiator:[ \t]*/, "", i); sub(/[ \t].*$/, "", i); if (i == ENVIRON["I"]) print s "/" c }'); do
            sid=${sc%%/*} cid=${sc#*/}
            num "$sid" "$cid"
            err=$(adm --op delete --mode conn --tid "$tid" --sid "$sid" --cid "$cid" 2>&1 >/dev/null); rc=$?
            lap; m delete "$tid" "$sid" "$cid" $rc $d
            [ -z "$err" ] || printf '%s\n' "$err"
            if [ $rc != 0 ]; then case $err in *"can't find"*) ;; *) fin failed ;; esac; fi
          done
        done
        if [ -n "$file" ]; then
          err=$( (umask 022 && printf '%s' "$content" > "$file.tmp" && mv -f "$file.tmp" "$file") 2>&1 ); rc=$?
          lap; m persist $rc $d
          [ -z "$err" ] || printf '%s\n' "$err"
        fi
        fin done
        """;

    /// <summary>
    /// $1 nonce, $2 control port, $3 initiator, $4 managed tids, $5 re-reads allowed, $6 pause
    /// between them (seconds). Reads the targets (<c>read</c>); while a managed target still lists
    /// the initiator (a dropped session can be listed for a moment) and re-reads are left, pauses
    /// and reads again; prints the last listing (<c>listing</c>). Whether that shows a fence is
    /// decided by the caller's parser, not here.
    /// </summary>
    public const string Verify = Prelude + """

        managed=$4 more=$5 pause=$6
        num "$cp" $managed "$more"
        i=0
        while :; do
          out=$(adm --op show --mode target); rc=$?
          lap; m read $rc $d
          [ $rc = 0 ] || { printf '%s\n' "$out"; fin failed; }
          printf '%s\n' "$out" | I=$ini M=" $managed " awk '
            { sub(/[ \t\r]+$/, "") }
            /^Target / { c = index($0, ":"); on = index(ENVIRON["M"], " " substr($0, 8, c - 8) " ") > 0; next }
            on { x = $0; sub(/^[ \t]+/, "", x); if (x == ENVIRON["I"] || x == "Initiator: " ENVIRON["I"] || index(x, "Initiator: " ENVIRON["I"] " ") == 1) f = 1 }
            END { exit !f }' || break
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
