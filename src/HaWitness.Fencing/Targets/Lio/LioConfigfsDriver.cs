using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using HaWitness.Core.Configuration;

namespace HaWitness.Fencing.Targets.Lio;

/// <summary>
/// LIO through configfs directly, for hosts without targetcli: fixed shell scripts run as
/// <c>sh -c SCRIPT hawitness-lio ARGS...</c>, every value a positional argument (never spliced
/// into the script). configfs has no saved configuration: the change is live only.
/// </summary>
internal sealed partial class LioConfigfsDriver(CommandRunner run, TimeProvider time, ILogger logger, string root = LioConfigfsDriver.DefaultRoot)
    : LioDriver(run, time, logger)
{
    public const string DefaultRoot = "/sys/kernel/config/target";

    // $1 = configfs root. Prints: tpg T G GEN ENABLE / lun T G lun_N / acl T G INI / session T G INI SID.
    internal const string ListScript = """
        r=$1/iscsi
        [ -d "$r" ] || { echo noiscsi; exit 0; }
        for t in "$r"/*; do
          for g in "$t"/tpgt_*; do
            [ -d "$g" ] || continue
            tn=${t##*/}; gn=${g##*/}
            echo "tpg $tn $gn $(cat "$g/attrib/generate_node_acls" 2>/dev/null || echo ?) $(cat "$g/enable" 2>/dev/null || echo ?)"
            for l in "$g"/lun/lun_*; do [ -d "$l" ] && echo "lun $tn $gn ${l##*/}"; done
            for a in "$g"/acls/*; do
              [ -d "$a" ] || continue
              an=${a##*/}
              echo "acl $tn $gn $an"
              sid=$(sed -n 's/.*LIO Session ID: *\([0-9][0-9]*\).*/\1/p' "$a/info" 2>/dev/null | head -n 1)
              [ -n "$sid" ] && echo "session $tn $gn $an $sid"
            done
          done
        done
        exit 0
        """;

    // $1 = TPG dir, $2 = initiator: the node ACL, and a mapped LUN per TPG LUN.
    internal const string GrantScript = """
        g=$1; a="$g/acls/$2"
        [ -d "$a" ] || mkdir "$a" || exit 1
        for l in "$g"/lun/lun_*; do
          [ -d "$l" ] || continue
          m="$a/${l##*/}"
          [ -d "$m" ] || mkdir "$m" || exit 1
          [ -e "$m/lnk" ] || ln -s "$l" "$m/lnk" || exit 1
        done
        """;

    // $1 = ACL dir: unmap its LUNs, then remove it (the kernel ends the initiator's sessions).
    internal const string RevokeScript = """
        a=$1
        [ -d "$a" ] || exit 0
        for m in "$a"/lun_*; do
          [ -d "$m" ] || continue
          for k in "$m"/*; do [ -L "$k" ] && { rm -f "$k" || exit 1; }; done
          rmdir "$m" || exit 1
        done
        rmdir "$a"
        """;

    public override string Kind => "lio-configfs";

    protected override async Task<LioState> ReadAsync(DriverReport? report, CancellationToken cancellationToken)
    {
        var result = await Run.RunAsync(["sh", "-c", ListScript, "hawitness-lio", root], report, cancellationToken).ConfigureAwait(false);
        return ConfigfsParser.Parse(result.StdOut);
    }

    protected override Task CreateAclAsync(LioTpg tpg, string initiator, DriverReport report, CancellationToken cancellationToken) =>
        Run.RunAsync(["sh", "-c", GrantScript, "hawitness-lio", TpgDir(tpg), initiator], report, cancellationToken);

    protected override Task DeleteAclAsync(LioTpg tpg, string initiator, DriverReport report, CancellationToken cancellationToken) =>
        Run.RunAsync(["sh", "-c", RevokeScript, "hawitness-lio", TpgDir(tpg) + "/acls/" + initiator], report, cancellationToken);

    protected override Task<string> SaveAsync(DriverReport report, CancellationToken cancellationToken) =>
        Task.FromResult("not persisted (raw configfs has no saved configuration; install targetcli-fb to persist)");

    protected override string? UnsafeReason(LioTpg tpg)
    {
        if (NameProblem(tpg) is { } bad)
        {
            return bad;
        }

        if (!TpgName().IsMatch(tpg.Tpg))
        {
            return $"LIO {tpg.Target} has a TPG named '{IscsiName.Printable(tpg.Tpg)}', not tpgt_N";
        }

        return tpg.GenerateNodeAcls == true
            ? $"LIO {tpg.Target}/{tpg.Tpg} has generate_node_acls=1, which admits every initiator, so it cannot be fenced by name; " +
              $"fix it: echo 0 > {root}/iscsi/{tpg.Target}/{tpg.Tpg}/attrib/generate_node_acls, then create an ACL per host"
            : null;
    }

    private string TpgDir(LioTpg tpg) => $"{root}/iscsi/{tpg.Target}/{tpg.Tpg}";

    [GeneratedRegex("^tpgt_[0-9]{1,5}$")]
    private static partial Regex TpgName();
}
