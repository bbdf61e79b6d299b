using HaWitness.Cluster.Leases;

namespace HaWitness.Agent.Runtime.Reconcile;

/// <summary>
/// What the hypervisor last listed on this host, and for which ownership epoch this agent started
/// each VM: the report every heartbeat carries.
/// </summary>
public sealed class VmInventory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _epochs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);
    private IReadOnlyList<(string Name, bool Running, string? Definition)> _listed = [];

    /// <summary>Replaces the listing.</summary>
    public void Listed(IReadOnlyList<(string Name, bool Running, string? Definition)> vms)
    {
        lock (_lock)
        {
            _listed = vms;
        }
    }

    /// <summary>Records the epoch a VM was started (or adopted) for; clears its error.</summary>
    public void Started(string vm, long epoch)
    {
        lock (_lock)
        {
            _epochs[vm] = epoch;
            _errors.Remove(vm);
        }
    }

    /// <summary>Forgets the epoch of a VM that stopped.</summary>
    public void Stopped(string vm)
    {
        lock (_lock)
        {
            _epochs.Remove(vm);
        }
    }

    /// <summary>Records a start/stop failure.</summary>
    public void Failed(string vm, string error)
    {
        lock (_lock)
        {
            _errors[vm] = error;
        }
    }

    /// <summary>The epoch this agent started the VM for (0: not started by us).</summary>
    public long EpochOf(string vm)
    {
        lock (_lock)
        {
            return _epochs.GetValueOrDefault(vm);
        }
    }

    /// <summary>Whether the hypervisor listed the VM running.</summary>
    public bool IsRunning(string vm)
    {
        lock (_lock)
        {
            return _listed.Any(v => v.Name == vm && v.Running);
        }
    }

    /// <summary>The report for the heartbeat; definitions only for VMs the committed state does not know.</summary>
    public IReadOnlyList<ReportedVm> Report(Func<string, bool> known)
    {
        lock (_lock)
        {
            return [.. _listed.Select(v => new ReportedVm(
                v.Name,
                v.Running,
                v.Running ? _epochs.GetValueOrDefault(v.Name) : 0,
                _errors.GetValueOrDefault(v.Name),
                known(v.Name) ? null : v.Definition))];
        }
    }
}
