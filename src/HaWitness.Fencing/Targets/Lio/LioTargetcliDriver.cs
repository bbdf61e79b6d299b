using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using HaWitness.Core.Configuration;

namespace HaWitness.Fencing.Targets.Lio;

/// <summary>LIO through <c>targetcli</c> (targetcli-fb): one-shot commands, then <c>saveconfig</c>.</summary>
internal sealed partial class LioTargetcliDriver(CommandRunner run, TimeProvider time, ILogger logger) : LioDriver(run, time, logger)
{
    public override string Kind => "lio-targetcli";

    protected override async Task<LioState> ReadAsync(DriverReport? report, CancellationToken cancellationToken)
    {
        var tree = await Run.RunAsync(["targetcli", "ls", "/iscsi"], report, cancellationToken).ConfigureAwait(false);
        var sessions = await Run.RunAsync(["targetcli", "sessions", "detail"], report, cancellationToken).ConfigureAwait(false);
        return new LioState(TargetcliParser.ParseTree(tree.StdOut), TargetcliParser.ParseSessions(sessions.StdOut));
    }

    protected override Task CreateAclAsync(LioTpg tpg, string initiator, DriverReport report, CancellationToken cancellationToken) =>
        Run.RunAsync(["targetcli", AclsPath(tpg), "create", initiator], report, cancellationToken,
            r => r.StdErr.Contains("already exists", StringComparison.Ordinal) ? "ACL already there" : null);

    protected override Task DeleteAclAsync(LioTpg tpg, string initiator, DriverReport report, CancellationToken cancellationToken) =>
        Run.RunAsync(["targetcli", AclsPath(tpg), "delete", initiator], report, cancellationToken,
            r => r.StdErr.Contains("No such", StringComparison.Ordinal) ? "ACL already gone" : null);

    protected override async Task<string> SaveAsync(DriverReport report, CancellationToken cancellationToken)
    {
        await Run.RunAsync(["targetcli", "saveconfig"], report, cancellationToken).ConfigureAwait(false);
        return "targetcli saveconfig";
    }

    protected override string? UnsafeReason(LioTpg tpg)
    {
        if (NameProblem(tpg) is { } bad)
        {
            return bad;
        }

        if (!TpgName().IsMatch(tpg.Tpg))
        {
            return $"LIO {tpg.Target} has a TPG named '{IscsiName.Printable(tpg.Tpg)}', not tpgN";
        }

        return tpg.GenerateNodeAcls == true
            ? $"LIO {tpg.Target}/{tpg.Tpg} has generate_node_acls=1, which admits every initiator, so it cannot be fenced by name; " +
              $"fix it: targetcli /iscsi/{tpg.Target}/{tpg.Tpg} set attribute generate_node_acls=0, then create an ACL per host"
            : null;
    }

    // targetcli joins its arguments with spaces and parses them again: every part is a validated
    // name without spaces (IscsiName, tpgN), so nothing can split or inject.
    private static string AclsPath(LioTpg tpg) => $"/iscsi/{tpg.Target}/{tpg.Tpg}/acls";

    [GeneratedRegex("^tpg[0-9]{1,5}$")]
    private static partial Regex TpgName();
}
