using System.Globalization;
using System.Text;
using HaWitness.Cluster.State;
using HaWitness.Failover.Status;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// A story scenario, as Proxmox's HA manager keeps them: a folder with <c>layout</c> (hosts,
/// VMs, target, rules), <c>events</c> (<c>at 10s host a crash</c>, <c>at 12s network a off</c>...)
/// and <c>expected-journal</c> (what the appliance journals, the final state, the alarms). The
/// world replays the events on the fake clock; the run's text is diffed against the expected one.
/// </summary>
internal static partial class Scenario
{
    public static string Run(string dir)
    {
        var layout = Lines(Path.Combine(dir, "layout"));
        var script = Lines(Path.Combine(dir, "events"));
        var options = new FailoverOptions();
        bool target = true;
        var hosts = new List<(string Name, int Cpus, long Mem, int TOff)>();
        var vms = new List<AddVm>();
        var more = new List<ClusterCommand>();
        foreach (var (line, words) in layout)
        {
            switch (words[0])
            {
                case "target":
                    target = words[1] != "none";
                    break;
                case "options":
                    foreach (var kv in words.Skip(1))
                    {
                        SetOption(options, kv);
                    }

                    break;
                case "host":
                    hosts.Add((words[1], Int(Arg(words, "cpus")), Int(Arg(words, "memory")), Int(Arg(words, "toff", "3000"))));
                    if (words.Contains("spare"))
                    {
                        more.Add(new SetSpare(words[1], true));
                    }

                    break;
                case "vm":
                    vms.Add(new AddVm(words[1], Arg(words, "on"), !words.Contains("stopped"), !(Arg(words, "ha", "on") == "off"),
                        Enum.Parse<VmPriority>(Arg(words, "priority", "medium"), ignoreCase: true), Int(Arg(words, "cpus", "1")), Int(Arg(words, "memory", "1024")), null));
                    break;
                case "depends":
                    more.Add(new SetVmDependencies(words[1], [.. words[3].Split(',')]));
                    break;
                case "rule":
                    more.Add(new SetPlacementRule(Rule(words)));
                    break;
                default:
                    throw new FormatException($"layout: cannot read '{line}'");
            }
        }

        var world = new World(1, new SimTimings(), options, target) { Tracing = true };
        foreach (var h in hosts)
        {
            world.AddHost(h.Name, h.Cpus, h.Mem, h.TOff);
        }

        world.Setup(vms, more);
        var events = script.Select(e => Parse(e.Line, e.Words)).ToList();
        var end = events.FirstOrDefault(e => e.What == "end")?.At ?? TimeSpan.FromSeconds(60);
        int next = 0;
        while (world.Now - World.Epoch < end && world.Violation is null)
        {
            while (next < events.Count && events[next].At <= world.Now - World.Epoch)
            {
                world.Trace("EVENT " + events[next].What);
                events[next++].Apply(world);
            }

            world.Step();
        }

        return Render(world);
    }

    private static string Render(World world)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# journal: seconds since start, kind, subject, outcome: summary");
        foreach (var d in world.Journal.All)
        {
            sb.AppendLine(ScenarioFormat.Line(d));
        }

        sb.AppendLine("# what the hosts and the appliance process did (their own logs)");
        string? previous = null;
        foreach (var line in world.TraceLines)
        {
            string text = line[9..];
            bool agent = world.Agents.Any(a => text.StartsWith(a.Name + ": ", StringComparison.Ordinal));
            bool appliance = text.StartsWith("appliance ", StringComparison.Ordinal);
            if ((!agent && !appliance) || text.Contains(" starts ", StringComparison.Ordinal) || text.Contains(": stops ", StringComparison.Ordinal))
            {
                continue;
            }

            string key = text.Contains("keeps its VMs", StringComparison.Ordinal) ? text[..text.IndexOf(':', StringComparison.Ordinal)] + " keeps" : text;
            if (key == previous)
            {
                continue;
            }

            previous = key;
            sb.AppendLine(line);
        }

        sb.AppendLine("# final state");
        if (world.Liveness is { } liveness)
        {
            var status = FailoverStatusBuilder.Build(world.Log.View, liveness, world.Target.IsConfigured, world.Options, TimeSpan.FromMilliseconds(world.Timings.Lease.SuspectAfterMs));
            sb.AppendLine($"status: {(status.CanAct ? "can act" : "cannot act")}: {status.Reason}");
            sb.AppendLine($"status: storage fence: {status.StorageFence}; can tolerate {status.CanTolerateHostFailures} host failure(s)");
            foreach (var h in status.Hosts)
            {
                var agent = world.Agent(h.Name)!;
                sb.AppendLine($"host {h.Name}: {h.State}{(h.Spare ? " (spare)" : string.Empty)}, generation {h.Generation}, {h.Vms} VM(s); machine {(agent.Up ? "up" : "down")}, {(world.Target.CanWrite(agent.Iqn) ? "can write" : "cut off the storage")}");
            }

            foreach (var v in status.Vms)
            {
                var on = world.Agents.Where(a => a.Up && a.PoweredOn.Any(p => p.Vm == v.Name)).Select(a => a.Name).ToList();
                sb.AppendLine($"vm {v.Name}: {v.State} on {v.Host ?? "-"}, epoch {v.Epoch}, priority {v.Priority}{(v.Ha ? string.Empty : ", HA off")}; powered on: {(on.Count == 0 ? "nowhere" : string.Join(", ", on))}");
            }
        }
        else
        {
            sb.AppendLine("appliance: down");
        }

        sb.AppendLine("# alarms");
        foreach (var a in world.Alarms.Raised)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{(a.Time - World.Epoch).TotalSeconds,6:0.0}s {a.Kind} {a.Subject}: {a.Summary}"));
        }

        sb.AppendLine("# invariants");
        sb.AppendLine(world.Violation ?? "safety held at every step (no VM on two hosts that can both write its disk, no stale epoch started, no stale writer re-admitted)");
        return sb.ToString();
    }

    private static List<(string Line, string[] Words)> Lines(string path) =>
        [.. File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => (l, l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))];

    private static string Arg(string[] words, string key, string? fallback = null)
    {
        int i = Array.IndexOf(words, key);
        return i >= 0 && i + 1 < words.Length ? words[i + 1]
            : fallback ?? throw new FormatException($"'{string.Join(' ', words)}' needs '{key} VALUE'");
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static void SetOption(FailoverOptions o, string kv)
    {
        var (k, v) = (kv.Split('=')[0], kv.Split('=')[1]);
        switch (k)
        {
            case "StartTimeoutMs": o.StartTimeoutMs = Int(v); break;
            case "StartTriesPerHost": o.StartTriesPerHost = Int(v); break;
            case "StartHosts": o.StartHosts = Int(v); break;
            case "StartBackoffMs": o.StartBackoffMs = Int(v); break;
            case "ReserveHostFailures": o.ReserveHostFailures = Int(v); break;
            default: throw new FormatException($"unknown option {k}");
        }
    }

    private static PlacementRule Rule(string[] w) => w[2] switch
    {
        "keep-apart" => new PlacementRule(w[1], PlacementRuleKind.KeepApart, [.. w.Skip(3)], []),
        "keep-together" => new PlacementRule(w[1], PlacementRuleKind.KeepTogether, [.. w.Skip(3)], []),
        "prefer-host" => new PlacementRule(w[1], PlacementRuleKind.PreferHost, [.. w.SkipWhile(x => x != "vms").Skip(1)], [.. w.Skip(3).TakeWhile(x => x != "vms")]),
        _ => throw new FormatException($"unknown rule kind {w[2]}"),
    };
}
