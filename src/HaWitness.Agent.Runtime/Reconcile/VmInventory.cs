using HaWitness.Cluster.Leases;

namespace HaWitness.Agent.Runtime.Reconcile;

/// <summary>
/// What the hypervisor last listed on this host, and for which ownership epoch this agent started
/// each VM: the report every heartbeat carries. A start, stop or failure this agent made is part of
/// the report at once (not only at the next listing), and raises <see cref="Changed"/> so that the
/// heartbeat carrying it goes out now instead of at the next period: the appliance confirms a
/// restarted VM as soon as it runs.
/// </summary>
public sealed class VmInventory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _epochs = new(StringComparer.Ordinal);
    // The last start or stop failure of a VM, with the epoch it was for: a refused start is
    // reported at that epoch, so the appliance tells it from a start still under way.
    private readonly Dictionary<string, (long Epoch, string Error)> _errors = new(StringComparer.Ordinal);
    private List<(string Name, bool Running, VmDescription? Description)> _listed = [];

    /// <summary>Raised (outside the inventory's lock) when the report changed because of a start, stop or failure.</summary>
    public event Action? Changed;

    /// <summary>Replaces the listing.</summary>
    public void Listed(IReadOnlyList<(string Name, bool Running, VmDescription? Description)> vms)
    {
        lock (_lock)
        {
            _listed = [.. vms];
        }
    }

    /// <summary>Records the epoch a VM was started (or adopted) for, and that it runs; clears its error.</summary>
    public void Started(string vm, long epoch)
    {
        bool changed;
        lock (_lock)
        {
            changed = !_epochs.TryGetValue(vm, out long was) || was != epoch;
            _epochs[vm] = epoch;
            changed |= _errors.Remove(vm);
            changed |= SetRunning(vm, true);
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Forgets the epoch of a VM that stopped; it is reported off.</summary>
    public void Stopped(string vm)
    {
        bool changed;
        lock (_lock)
        {
            changed = _epochs.Remove(vm);
            changed |= SetRunning(vm, false);
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Records a start or stop failure of a VM, for the ownership epoch it was tried at.</summary>
    public void Failed(string vm, long epoch, string error)
    {
        bool changed;
        lock (_lock)
        {
            changed = !_errors.TryGetValue(vm, out var was) || was != (epoch, error);
            _errors[vm] = (epoch, error);
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Forgets the failures of VMs that are no longer this host's to start or stop.</summary>
    public void ForgetFailures(Func<string, bool> keep)
    {
        lock (_lock)
        {
            foreach (string vm in _errors.Keys.Where(vm => !keep(vm)).ToList())
            {
                _errors.Remove(vm);
            }
        }
    }

    /// <summary>
    /// The report for the heartbeat; definitions and sizes only for VMs the committed state does not know.
    /// A VM that is off with a failure is reported at the epoch its start failed for, with the
    /// driver's message, also when the hypervisor does not list it (its registration failed).
    /// </summary>
    public IReadOnlyList<ReportedVm> Report(Func<string, bool> known)
    {
        lock (_lock)
        {
            var report = new List<ReportedVm>(_listed.Count + _errors.Count);
            foreach (var v in _listed)
            {
                bool failed = _errors.TryGetValue(v.Name, out var error);
                report.Add(new ReportedVm(
                    v.Name,
                    v.Running,
                    v.Running ? _epochs.GetValueOrDefault(v.Name) : failed ? error.Epoch : 0,
                    failed ? error.Error : null,
                    known(v.Name) ? null : v.Description?.Definition,
                    known(v.Name) ? 0 : v.Description?.Cpus ?? 0,
                    known(v.Name) ? 0 : v.Description?.MemoryMb ?? 0));
            }

            foreach (var (vm, error) in _errors)
            {
                if (!_listed.Exists(v => v.Name == vm))
                {
                    report.Add(new ReportedVm(vm, false, error.Epoch, error.Error));
                }
            }

            return report;
        }
    }

    /// <summary>Sets a VM's running flag in the listing (adding it when the listing did not have it yet). Call under the lock.</summary>
    private bool SetRunning(string vm, bool running)
    {
        int i = _listed.FindIndex(v => v.Name == vm);
        if (i < 0)
        {
            if (!running)
            {
                return false;
            }

            _listed.Add((vm, true, null));
            return true;
        }

        if (_listed[i].Running == running)
        {
            return false;
        }

        _listed[i] = _listed[i] with { Running = running };
        return true;
    }
}

/// <summary>
/// What the hypervisor says of a VM the cluster does not know yet: its definition (JSON of the
/// driver's <c>VmDefinition</c>; null when it could not be described) and its size (0: not known).
/// </summary>
public sealed record VmDescription(string? Definition, int Cpus = 0, long MemoryMb = 0);
