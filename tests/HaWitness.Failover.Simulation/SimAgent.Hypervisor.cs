using HaWitness.Cluster.State;

namespace HaWitness.Failover.Simulation;

internal enum VmPhase
{
    Starting,
    Running,
    Stopping,
}

internal sealed class VmRun(long epoch, VmPhase phase, DateTimeOffset until)
{
    public long Epoch { get; set; } = epoch;

    public VmPhase Phase { get; set; } = phase;

    public DateTimeOffset Until { get; set; } = until;
}

internal sealed partial class SimAgent
{
    private void AdvanceHypervisor(DateTimeOffset now)
    {
        List<string>? off = null;
        foreach (var (vm, run) in _vms)
        {
            if (run.Until > now)
            {
                continue;
            }

            if (run.Phase == VmPhase.Starting)
            {
                run.Phase = VmPhase.Running;
            }
            else if (run.Phase == VmPhase.Stopping)
            {
                (off ??= []).Add(vm);
            }
        }

        foreach (var vm in off ?? [])
        {
            _vms.Remove(vm);
        }
    }

    /// <summary>Starts the VMs the applied state gives this host, each for its epoch, once per epoch.</summary>
    private void StartOwn(ClusterView view, DateTimeOffset now)
    {
        foreach (var vm in view.Vms.Values)
        {
            if (vm.Host != Name || !vm.Run)
            {
                continue;
            }

            if (_vms.TryGetValue(vm.Name, out var run))
            {
                if (run.Phase != VmPhase.Stopping)
                {
                    run.Epoch = vm.Epoch; // same owner, newer epoch (a retry): it is that start now
                }

                continue;
            }

            if (_errors.TryGetValue(vm.Name, out var failed) && failed.Epoch == vm.Epoch && now < failed.RetryAt)
            {
                continue; // the reconciler retries a failed start on its next pass
            }

            _world.CheckStart(this, vm.Name, vm.Epoch);
            if ((FailStarts.TryGetValue(vm.Name, out int left) && left > 0) || (StartFailure > 0 && _world.Random.NextDouble() < StartFailure))
            {
                if (left > 0)
                {
                    FailStarts[vm.Name] = left - 1;
                }

                _errors[vm.Name] = (vm.Epoch, "power on failed (simulated)", now + _world.Timings.StartRetry);
                _world.Trace($"{Name}: start of {vm.Name} at epoch {vm.Epoch} fails");
                continue;
            }

            _errors.Remove(vm.Name);
            _vms[vm.Name] = new VmRun(vm.Epoch, VmPhase.Starting, now + TimeSpan.FromMilliseconds(_world.Random.Next(500, 2000)));
            _world.Trace($"{Name}: starts {vm.Name} at epoch {vm.Epoch}");
        }
    }

    /// <summary>Stops what the applied state no longer gives this host (always allowed: stopping is safe).</summary>
    private void StopForeign(ClusterView view, DateTimeOffset now)
    {
        foreach (var (vm, run) in _vms)
        {
            if (run.Phase == VmPhase.Stopping)
            {
                continue;
            }

            if (!view.Vms.TryGetValue(vm, out var e) || e.Host != Name || !e.Run)
            {
                if (view.Index == 0)
                {
                    continue; // nothing applied yet (just restarted): no opinion
                }

                run.Phase = VmPhase.Stopping;
                run.Until = now + TimeSpan.FromMilliseconds(_world.Random.Next(200, 1000));
                _world.Trace($"{Name}: stops {vm} (epoch {run.Epoch})");
            }
        }
    }
}
