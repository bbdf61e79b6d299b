using System.Text.Json.Nodes;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.Failover.Journal;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Engine;

internal sealed partial class FailoverEngine
{
    /// <summary>
    /// Watches every VM that should run on an active host until its owner reports it running at
    /// its current epoch. A try fails when the owner reports a start error for that epoch or when
    /// nothing is confirmed within <see cref="FailoverOptions.StartTimeoutMs"/>. Failed tries are
    /// retried on the same host (a new epoch, after a doubling backoff), then the VM goes to
    /// another host through a confirmed stop (<c>BeginMove</c>), so two hosts never run it.
    /// </summary>
    private async Task ConfirmStartsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = _log.View;
        foreach (var vm in view.Vms.Values)
        {
            if (vm.Host is null || !vm.Run || !view.Hosts.TryGetValue(vm.Host, out var host)
                || host.Phase != HostPhase.Active || host.Fenced)
            {
                continue;
            }

            var report = _liveness.LastReport(vm.Host);
            if (report is null)
            {
                continue; // not heard from yet in this leadership: detection deals with silence
            }

            var rv = report.AppliedIndex >= vm.Epoch ? Find(report, vm.Name) : null;
            _vms.TryGetValue(vm.Name, out var record);
            var watch = record?.Start;
            var next = StartDecision.Next(vm, rv, watch, now, TimeSpan.FromMilliseconds(_options.StartTimeoutMs));
            switch (next.Step)
            {
                case StartStep.None:
                    continue;
                case StartStep.Confirmed:
                    record!.Start = null;
                    record.AvoidNone();
                    Journal(DecisionKinds.StartVm, Subjects.Vm(vm.Name), Outcome.Succeeded,
                        $"runs on {vm.Host} at epoch {vm.Epoch} (confirmed by its agent's report at {At(report.ReceivedAt)}, try {watch!.TriesOnHost} there)",
                        new JsonObject { ["host"] = vm.Host, ["epoch"] = vm.Epoch, ["reportedAt"] = report.ReceivedAt.ToString("O"), ["appliedIndex"] = report.AppliedIndex });
                    LogStartConfirmed(_logger, vm.Name, vm.Host, vm.Epoch);
                    continue;
            }

            watch = next.Watch!;
            if (!ReferenceEquals(watch, record?.Start))
            {
                record ??= VmRecord(vm.Name);
                record.Start = watch;
            }

            if (next.Step == StartStep.Failed)
            {
                await StartFailedAsync(vm, record!, watch, next.Error, now, cancellationToken).ConfigureAwait(false);
            }
            else if (next.Step == StartStep.Retry)
            {
                var commit = await ProposeAsync(new AssignVms([new VmPlacement(vm.Name, vm.Host, true)], $"start retry {watch.TriesOnHost + 1} on {vm.Host}"), cancellationToken).ConfigureAwait(false);
                if (commit.Result.Applied)
                {
                    record!.Start = new StartWatch(vm.Host, commit.Index, now + TimeSpan.FromMilliseconds(_options.StartTimeoutMs), watch.TriesOnHost + 1);
                    Journal(DecisionKinds.StartVm, Subjects.Vm(vm.Name), Outcome.Decided,
                        $"retry {watch.TriesOnHost + 1} of {_options.StartTriesPerHost} on {vm.Host}, epoch {commit.Index}",
                        new JsonObject { ["host"] = vm.Host, ["epoch"] = commit.Index, ["try"] = watch.TriesOnHost + 1 });
                }
            }
        }

        foreach (var (name, record) in _vms)
        {
            if (record.Start is not null && (!view.Vms.TryGetValue(name, out var v) || v.Host is null || !v.Run))
            {
                record.Start = null;
            }
        }
    }

    private async Task StartFailedAsync(VmEntry vm, VmRecovery record, StartWatch watch, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string host = vm.Host!;
        string what = error is null
            ? $"start on {host} not confirmed within {Seconds(TimeSpan.FromMilliseconds(_options.StartTimeoutMs))} (try {watch.TriesOnHost} of {_options.StartTriesPerHost}, epoch {vm.Epoch})"
            : $"start on {host} failed (try {watch.TriesOnHost} of {_options.StartTriesPerHost}, epoch {vm.Epoch}): {error}";
        Journal(DecisionKinds.StartVm, Subjects.Vm(vm.Name), Outcome.Failed, what,
            new JsonObject { ["host"] = host, ["epoch"] = vm.Epoch, ["try"] = watch.TriesOnHost, ["error"] = error ?? "timeout" });
        LogStartFailed(_logger, vm.Name, host, watch.TriesOnHost, error ?? "timeout");
        if (watch.TriesOnHost < _options.StartTriesPerHost)
        {
            watch.RetryAt = now + TimeSpan.FromMilliseconds(_options.StartBackoffMs * Math.Pow(2, watch.TriesOnHost - 1));
            return;
        }

        record.Avoid(host, now + TimeSpan.FromMilliseconds(_options.StartAvoidMs));
        record.Start = null;
        // Stop it on the owner first, and move it only once the owner reported it stopped: an
        // agent retries a failed start on its own while the VM is its own, so reassigning at once
        // could let a late retry there overlap with the start elsewhere.
        var stop = await ProposeAsync(new BeginMove(vm.Name, null, $"start failed on {host}"), cancellationToken).ConfigureAwait(false);
        if (stop.Result.Applied)
        {
            Journal(FailoverKinds.StopVm, Subjects.Vm(vm.Name), Outcome.Decided,
                $"its start failed {watch.TriesOnHost} time(s) on {host}: stop it there, then try another host", new JsonObject { ["epoch"] = stop.Index, ["from"] = host });
        }
    }
}
