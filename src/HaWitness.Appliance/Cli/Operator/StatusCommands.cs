using System.CommandLine;
using System.Text.Json;
using HaWitness.Operator.Client;

namespace HaWitness.Appliance.Cli.Operator;

/// <summary><c>hawitness status</c>, <c>hosts</c>, <c>vms</c>: the cluster at a glance, from the API.</summary>
internal static class StatusCommands
{
    public static Command Status()
    {
        var options = new ClientOptions();
        var command = new Command("status", "Quorum, leader, hosts and VMs at a glance (from the appliance's API)");
        options.AddTo(command);
        command.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, async (client, json, token) =>
        {
            if (json)
            {
                return await ApiCall.GetAndPrintAsync(client, "/api/v1/status", true, _ => { }, token).ConfigureAwait(false);
            }

            var alarms = await client.GetAsync("/api/v1/alarms", token).ConfigureAwait(false);
            var hosts = await client.GetAsync("/api/v1/hosts", token).ConfigureAwait(false);
            return await ApiCall.GetAndPrintAsync(client, "/api/v1/status", false, s =>
            {
                var q = s.GetProperty("quorum");
                Console.WriteLine($"appliance {Table.Clean(ApiCall.Str(s, "node"))} {ApiCall.Str(s, "version")}, leader {Table.Clean(ApiCall.Str(s, "leader"))}, term {ApiCall.Str(s, "term")}");
                Console.WriteLine($"quorum: {(q.GetProperty("hasQuorum").GetBoolean() ? "yes" : "NO")}, {ApiCall.Str(q, "reachable")} of {ApiCall.Str(q, "voters")} voters: {Table.Clean(ApiCall.Str(q, "reason"))}");
                int running = s.GetProperty("vms").EnumerateArray().Count(v => ApiCall.Str(v, "state") == "running");
                Console.WriteLine($"hosts: {s.GetProperty("hosts").GetArrayLength()}, VMs: {s.GetProperty("vms").GetArrayLength()} ({running} running)");
                if (alarms.Ok)
                {
                    using var doc = JsonDocument.Parse(alarms.Body);
                    foreach (var a in doc.RootElement.GetProperty("alarms").EnumerateArray())
                    {
                        Console.WriteLine($"ALARM {ApiCall.Str(a, "severity")} {ApiCall.Str(a, "kind")}: {Table.Clean(ApiCall.Str(a, "summary"))}");
                    }
                }

                if (hosts.Ok)
                {
                    using var doc = JsonDocument.Parse(hosts.Body);
                    Console.WriteLine();
                    Console.Write(HostTable(doc.RootElement.GetProperty("hosts")));
                }
            }, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    public static Command Hosts()
    {
        var options = new ClientOptions();
        var command = new Command("hosts", "Hosts: state, lease age, fenced, maintenance, spare, VMs, free capacity");
        options.AddTo(command);
        command.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, (client, json, token) =>
            ApiCall.GetAndPrintAsync(client, "/api/v1/hosts", json, r => Console.Write(HostTable(r.GetProperty("hosts"))), token), ct));
        return command;
    }

    public static Command Vms()
    {
        var options = new ClientOptions();
        var command = new Command("vms", "VMs: host, state (from the agents' reports), priority, HA, epoch");
        options.AddTo(command);
        command.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, (client, json, token) =>
            ApiCall.GetAndPrintAsync(client, "/api/v1/vms", json, r => Console.Write(Table.Render(
                ["VM", "HOST", "STATE", "PRIORITY", "HA", "EPOCH"],
                r.GetProperty("vms").EnumerateArray().Select(v => (IReadOnlyList<string>)
                    [ApiCall.Str(v, "name"), ApiCall.Str(v, "host"), ApiCall.Str(v, "state"), ApiCall.Str(v, "priority"), ApiCall.Str(v, "ha"), ApiCall.Str(v, "epoch")]))), token), ct));
        return command;
    }

    private static string HostTable(JsonElement hosts) => Table.Render(
        ["HOST", "STATE", "LEASE AGE", "FENCED", "MAINT", "SPARE", "VMS", "CPU FREE/ALL", "MEM FREE/ALL (MiB)", "GENERATION"],
        hosts.EnumerateArray().Select(h => (IReadOnlyList<string>)
        [
            ApiCall.Str(h, "name"), ApiCall.Str(h, "state"),
            h.TryGetProperty("leaseAgeMs", out var l) && l.ValueKind == JsonValueKind.Number ? Alarms(l.GetInt64()) : "never",
            ApiCall.Str(h, "fenced"), ApiCall.Str(h, "maintenance"), ApiCall.Str(h, "spare"),
            h.GetProperty("vms").GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{ApiCall.Str(h, "freeCpus")}/{ApiCall.Str(h, "cpus")}",
            $"{ApiCall.Str(h, "freeMemoryMb")}/{ApiCall.Str(h, "memoryMb")}",
            ApiCall.Str(h, "generation"),
        ]));

    private static string Alarms(long ms) => HaWitness.Operator.Alarms.ActiveAlarms.Age(ms);
}
