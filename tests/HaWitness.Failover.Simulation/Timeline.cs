using System.Globalization;
using System.Text;
using HaWitness.Cluster.State;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// The failover timeline on the fake clock: host A (three HA VMs) dies at a random point of its
/// heartbeat cycle; measured from the crash: detect (<c>HostFailed</c> committed), fence verified,
/// decide (placement committed, new epochs), every VM confirmed running on B. Medians over runs.
/// </summary>
internal static class Timeline
{
    public static string Run(int runs, LeaseOptions lease, int powerOffBoundMs, bool fence)
    {
        var detect = new List<double>();
        var fenced = new List<double>();
        var decide = new List<double>();
        var started = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var world = new World(i + 1, new SimTimings { Lease = lease }, new FailoverOptions(), fence);
            world.AddHost("a", 16, 32768, powerOffBoundMs);
            world.AddHost("b", 16, 32768, powerOffBoundMs);
            world.Setup([
                new AddVm("web", "a", true, true, VmPriority.High, 2, 2048, null),
                new AddVm("db", "a", true, true, VmPriority.High, 2, 2048, null),
                new AddVm("app", "a", true, true, VmPriority.Medium, 2, 2048, null),
            ]);
            world.Run(TimeSpan.FromSeconds(10) + TimeSpan.FromMilliseconds(1000.0 * i / runs));
            var crash = world.Now;
            world.Agent("a")!.Crash();
            world.Run(TimeSpan.FromSeconds(40));
            var rows = world.Journal.All.Where(d => d.Time >= crash).ToList();
            double At(Func<DecisionRecord, bool> which, bool last = false)
            {
                var hits = rows.Where(which).ToList();
                return hits.Count == 0 ? double.NaN : ((last ? hits[^1] : hits[0]).Time - crash).TotalSeconds;
            }

            detect.Add(At(d => d.Kind == DecisionKinds.HostFailed));
            fenced.Add(At(d => d.Kind == DecisionKinds.FenceHost && d.Outcome == Outcome.Succeeded));
            decide.Add(At(d => d.Kind == DecisionKinds.PlaceVm && d.Outcome == Outcome.Succeeded));
            started.Add(At(d => d.Kind == DecisionKinds.StartVm && d.Outcome == Outcome.Succeeded, last: true));
        }

        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"timeline: heartbeat {lease.HeartbeatMs} ms, lease {lease.LeaseMs} ms, T_off {powerOffBoundMs} ms, probe timeout {lease.ProbeTimeoutMs} ms, drift {lease.DriftBound}, margin {lease.MarginMs} ms, {(fence ? "storage fence (300 ms)" : "lease only")}, {runs} runs (crash at spread heartbeat phases), seconds after the crash, median [min-max]:"));
        sb.AppendLine(Line("detect (HostFailed committed)", detect));
        sb.AppendLine(Line("fence verified", fenced));
        sb.AppendLine(Line("decide (placement committed)", decide));
        sb.AppendLine(Line("all 3 VMs confirmed running", started));
        return sb.ToString();
    }

    private static string Line(string what, List<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).Order().ToList();
        if (v.Count == 0)
        {
            return $"  {what,-32} n/a";
        }

        double median = v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"  {what,-32} {median,5:0.0} s [{v[0]:0.0}-{v[^1]:0.0}]");
    }
}
