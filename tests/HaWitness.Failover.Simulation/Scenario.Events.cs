using System.Globalization;
using HaWitness.Cluster.State;

namespace HaWitness.Failover.Simulation;

internal static partial class Scenario
{
    /// <summary>Reads one <c>at TIME VERB ...</c> line of an <c>events</c> file.</summary>
    private static SimEvent Parse(string line, string[] w)
    {
        if (w.Length < 3 || w[0] != "at" || !w[1].EndsWith('s'))
        {
            throw new FormatException($"events: '{line}' is not 'at 10s VERB ...'");
        }

        var at = TimeSpan.FromSeconds(double.Parse(w[1][..^1], CultureInfo.InvariantCulture));
        string what = string.Join(' ', w.Skip(2));
        Action<World> apply = (w[2], w.Length > 3 ? w[3] : string.Empty, w.Length > 4 ? w[4] : string.Empty) switch
        {
            ("end", _, _) => _ => { },
            ("host", var h, "crash") => x => x.Agent(h)!.Crash(),
            ("host", var h, "boot") => x => x.Agent(h)!.Boot(),
            ("host", var h, "spare") => x => x.Operator(p => p.SetSpareAsync(h, w[5] switch
            {
                "on" => true,
                "off" => false,
                _ => throw new FormatException($"events: '{line}' is not 'host NAME spare on|off'"),
            }, CancellationToken.None)),
            ("host", var h, "readmit") => x => x.Operator(p => p.ReadmitAsync(h, "the operator checked the host", CancellationToken.None)),
            ("network", var n, "off") => x => x.Net.Isolate(n),
            ("network", var n, "on") => x => x.Net.Reconnect(n),
            ("link", var a, var b) when w.Length > 5 && w[5] == "off" => x => x.Net.Cut(a, b),
            ("link", var a, var b) when w.Length > 5 && w[5] == "on" => x => x.Net.Heal(a, b),
            ("appliance", "crash", _) => x => x.CrashAppliance("scripted"),
            ("appliance", "start", _) => x => x.StartAppliance(),
            ("fence", "fail", _) => x => x.Target.Failing = true,
            ("fence", "work", _) => x => x.Target.Failing = false,
            ("fence", "slow", var ms) => x => x.Target.Latency = TimeSpan.FromMilliseconds(int.Parse(ms, CultureInfo.InvariantCulture)),
            ("vm", var vm, "fail-start") => x => x.Agent(w[6])!.FailStarts[vm] = w.Length > 7 ? (w[7] == "always" ? int.MaxValue : int.Parse(w[7], CultureInfo.InvariantCulture)) : int.MaxValue,
            ("vm", "migrate", var vm) => x => x.Operator(p => p.MigrateAsync(vm, w[5], CancellationToken.None)),
            ("vm", "ha", var onOff) => x => x.Operator(p => p.SetHaAsync(w[5], onOff == "on", CancellationToken.None)),
            ("vm", "priority", var vm) => x => x.Operator(p => p.SetPriorityAsync(vm, Enum.Parse<VmPriority>(w[5], ignoreCase: true), CancellationToken.None)),
            ("maintenance", "enter", var h) => x => x.Operator(p => p.EnterMaintenanceAsync(h, false, CancellationToken.None)),
            ("maintenance", "exit", var h) => x => x.Operator(p => p.ExitMaintenanceAsync(h, CancellationToken.None)),
            _ => throw new FormatException($"events: unknown event '{line}'"),
        };
        return new SimEvent(at, what, apply);
    }
}
