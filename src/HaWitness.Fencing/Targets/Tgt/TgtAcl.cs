using System.Globalization;
using System.Net;
using HaWitness.Core.Configuration;

namespace HaWitness.Fencing.Targets.Tgt;

/// <summary>
/// What tgt's ACL entries mean for fencing. tgtadm lists address ACLs (<c>--initiator-address</c>)
/// and name ACLs (<c>--initiator-name</c>) in one list, and admits a login when either matches: a
/// target with any address ACL admits a fenced host from that address whatever its name. So a
/// target is managed only when its address ACLs are none or <see cref="NoAddress"/>.
/// </summary>
internal static class TgtAcl
{
    /// <summary>
    /// An address no initiator has. The persisted file carries it because tgt-admin binds
    /// <c>ALL</c> to any target that has no <c>initiator-address</c> line.
    /// </summary>
    public const string NoAddress = "0.0.0.0/32";

    /// <summary>Null when HaWitness may manage the target, else why not and how to fix it.</summary>
    public static string? UnsafeReason(TgtTarget target, int controlPort)
    {
        string adm = controlPort == 0 ? "tgtadm" : string.Create(CultureInfo.InvariantCulture, $"tgtadm -C {controlPort}");
        if (IscsiName.Check(target.Name) is { } bad)
        {
            return $"target {IscsiName.Printable(target.Name)} (tid {target.Tid}) has a name HaWitness cannot handle ({bad})";
        }

        foreach (var entry in target.Acls)
        {
            if (entry == "ALL")
            {
                return $"target {target.Name} (tid {target.Tid}) has the address ACL ALL, which admits every initiator whatever its name, so it cannot be fenced by name; " +
                    $"remove it ({adm} --lld iscsi --op unbind --mode target --tid {target.Tid} --initiator-address ALL, and drop 'initiator-address ALL' from its tgt config) and grant each host by name";
            }

            if (entry == NoAddress)
            {
                continue;
            }

            if (IsAddress(entry))
            {
                return $"target {target.Name} (tid {target.Tid}) has the address ACL {entry}, which admits any initiator from there whatever its name, so it cannot be fenced by name; " +
                    $"remove it ({adm} --lld iscsi --op unbind --mode target --tid {target.Tid} --initiator-address {entry}) and grant each host by name";
            }

            if (!IscsiName.IsValid(entry))
            {
                return $"target {target.Name} (tid {target.Tid}) has the ACL entry '{IscsiName.Printable(entry)}', neither an address nor a valid iSCSI name; remove or fix it";
            }
        }

        return null;
    }

    /// <summary>The name ACLs (valid iSCSI names) of a target.</summary>
    public static IReadOnlyList<string> Names(TgtTarget target) => target.Acls.Where(IscsiName.IsValid).ToList();

    private static bool IsAddress(string entry)
    {
        return IPAddress.TryParse(entry.Split('/')[0], out _);
    }
}
