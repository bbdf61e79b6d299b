using HaWitness.Core.Configuration;
namespace HaWitness.Fencing.Targets;

/// <summary>
/// Drives one iSCSI target implementation on the target host. Every operation reads the target
/// first, acts, then re-reads to verify. Initiator names must be valid (<see cref="IscsiName"/>);
/// drivers check again and throw <see cref="TargetErrorKind.InvalidInput"/> otherwise.
/// </summary>
public interface ITargetDriver
{
    /// <summary><c>tgt</c>, <c>lio-targetcli</c> or <c>lio-configfs</c>.</summary>
    string Kind { get; }

    /// <summary>Where the target host is, e.g. <c>root@127.0.0.1:22</c>.</summary>
    string Destination { get; }

    /// <summary>Lists targets, LUNs, ACLs and live sessions.</summary>
    /// <exception cref="TargetException">SSH or the target tool failed (typed).</exception>
    Task<TargetInventory> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds the initiator to the ACL of every safe target; persists; verifies.</summary>
    /// <exception cref="TargetException">SSH or the target tool failed (typed).</exception>
    Task<DriverReport> GrantAsync(string initiator, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes the initiator on every safe target, then drops each of its live sessions, persists,
    /// then re-reads and verifies that no ACL and no session of it remains.
    /// </summary>
    /// <exception cref="TargetException">SSH or the target tool failed (typed).</exception>
    Task<DriverReport> FenceAsync(string initiator, CancellationToken cancellationToken);
}
