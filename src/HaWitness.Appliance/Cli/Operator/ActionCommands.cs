using System.CommandLine;
using System.Text.Json;
using HaWitness.Core.Configuration;
using HaWitness.Operator.Client;

namespace HaWitness.Appliance.Cli.Operator;

/// <summary>
/// <c>hawitness explain vm|host NAME</c>, <c>maintenance enter|exit HOST [--force]</c>,
/// <c>readmit HOST --reason TEXT</c>, <c>host spare HOST on|off</c>, <c>vm migrate VM HOST</c>, <c>vm ha on|off VM</c>, <c>vm priority VM LEVEL</c>.
/// </summary>
internal static class ActionCommands
{
    public static Command Explain()
    {
        var command = new Command("explain", "Why a VM is where it is (or was not restarted), why a host was fenced");
        foreach (var what in new[] { "vm", "host" })
        {
            var options = new ClientOptions();
            var name = new Argument<string>("NAME") { Description = what == "vm" ? "VM name" : "host name" };
            var sub = new Command(what, what == "vm" ? "Explain a VM" : "Explain a host") { name };
            options.AddTo(sub);
            sub.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, (client, json, token) =>
                ApiCall.GetAndPrintAsync(client, $"/api/v1/explain/{what}/{Uri.EscapeDataString(parse.GetValue(name)!)}", json, Print, token), ct));
            command.Subcommands.Add(sub);
        }

        return command;
    }

    public static Command Maintenance()
    {
        var command = new Command("maintenance", "Planned maintenance of a host: its VMs move away and it takes none");
        foreach (bool enter in new[] { true, false })
        {
            var options = new ClientOptions();
            var host = new Argument<string>("HOST") { Description = "host name" };
            var force = new Option<bool>("--force") { Description = "Enter even when some running VM has nowhere to go (it stays)" };
            var sub = new Command(enter ? "enter" : "exit", enter ? "Put HOST in maintenance" : "Take HOST out of maintenance") { host };
            if (enter)
            {
                sub.Options.Add(force);
            }

            options.AddTo(sub);
            sub.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, (client, json, token) =>
                ApiCall.PostActionAsync(client, $"/api/v1/hosts/{Uri.EscapeDataString(parse.GetValue(host)!)}/maintenance",
                    $$"""{"enter":{{(enter ? "true" : "false")}},"force":{{(enter && parse.GetValue(force) ? "true" : "false")}}}""", json, token), ct));
            command.Subcommands.Add(sub);
        }

        return command;
    }

    /// <summary><c>hawitness readmit HOST --reason TEXT</c>: the operator's word that a failed host may come back (rule 4).</summary>
    public static Command Readmit()
    {
        var options = new ClientOptions();
        var host = new Argument<string>("HOST") { Description = "host name" };
        var reason = new Option<string>("--reason") { Description = "Why you vouch that HOST no longer writes stale data (journaled)", Required = true, HelpName = "TEXT" };
        var command = new Command("readmit", "Re-admit a failed host on your word (grants its initiator again). Normally a host comes back by itself with a new generation") { host, reason };
        options.AddTo(command);
        command.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, (client, json, token) =>
            ApiCall.PostActionAsync(client, $"/api/v1/hosts/{Uri.EscapeDataString(parse.GetValue(host)!)}/readmit",
                $$"""{"reason":"{{JsonEncodedText.Encode(parse.GetValue(reason)!)}}"}""", json, token), ct));
        return command;
    }

    /// <summary>
    /// <c>hawitness host spare HOST on|off</c>: a spare (contingency host) runs no VMs in normal
    /// operation and is the first choice of failover restarts; nothing moves when it changes.
    /// </summary>
    public static Command Host()
    {
        var options = new ClientOptions();
        var host = new Argument<string>("HOST") { Description = "host name" };
        host.Validators.Add(r =>
        {
            if (!Names.IsValidHostName(r.GetValueOrDefault<string>()))
            {
                r.AddError($"not a valid host name: {Names.Printable(r.GetValueOrDefault<string>())} (1 to 63 letters, digits, '-' or '.', starting with a letter or digit)");
            }
        });
        var onOff = new Argument<string>("on|off") { Description = "on: make HOST a spare; off: a normal host again" };
        onOff.AcceptOnlyFromAmong("on", "off");
        var spare = new Command("spare", "Make HOST a spare (no VMs in normal operation, first choice when a failover restarts VMs) or a normal host again. Nothing moves: VMs on it stay until you migrate them") { host, onOff };
        options.AddTo(spare);
        spare.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, (client, json, token) =>
            ApiCall.PostActionAsync(client, $"/api/v1/hosts/{Uri.EscapeDataString(parse.GetValue(host)!)}/spare",
                parse.GetValue(onOff) == "on" ? """{"spare":true}""" : """{"spare":false}""", json, token), ct));
        return new Command("host", "Operator actions on a host") { spare };
    }

    public static Command Vm()
    {
        var command = new Command("vm", "Operator actions on a VM");
        var migrateOptions = new ClientOptions();
        var vm = new Argument<string>("VM") { Description = "VM name" };
        var host = new Argument<string>("HOST") { Description = "target host" };
        var migrate = new Command("migrate", "Move VM to HOST (stopped on its owner, then started there)") { vm, host };
        migrateOptions.AddTo(migrate);
        migrate.SetAction((parse, ct) => ApiCall.RunAsync(parse, migrateOptions, (client, json, token) =>
            ApiCall.PostActionAsync(client, $"/api/v1/vms/{Uri.EscapeDataString(parse.GetValue(vm)!)}/migrate",
                $$"""{"host":"{{JsonEncodedText.Encode(parse.GetValue(host)!)}}"}""", json, token), ct));
        command.Subcommands.Add(migrate);

        var ha = new Command("ha", "Turn HA protection on or off");
        foreach (bool on in new[] { true, false })
        {
            var options = new ClientOptions();
            var name = new Argument<string>("VM") { Description = "VM name" };
            var sub = new Command(on ? "on" : "off", on ? "Restart VM elsewhere when its host fails" : "Do not restart VM when its host fails") { name };
            options.AddTo(sub);
            sub.SetAction((parse, ct) => ApiCall.RunAsync(parse, options, (client, json, token) =>
                ApiCall.PostActionAsync(client, $"/api/v1/vms/{Uri.EscapeDataString(parse.GetValue(name)!)}/ha", on ? """{"on":true}""" : """{"on":false}""", json, token), ct));
            ha.Subcommands.Add(sub);
        }

        command.Subcommands.Add(ha);
        var priorityOptions = new ClientOptions();
        var pvm = new Argument<string>("VM") { Description = "VM name" };
        var level = new Argument<string>("LEVEL") { Description = "high | medium | low | disabled" };
        level.AcceptOnlyFromAmong("high", "medium", "low", "disabled");
        var priority = new Command("priority", "Set VM's restart priority") { pvm, level };
        priorityOptions.AddTo(priority);
        priority.SetAction((parse, ct) => ApiCall.RunAsync(parse, priorityOptions, (client, json, token) =>
            ApiCall.PostActionAsync(client, $"/api/v1/vms/{Uri.EscapeDataString(parse.GetValue(pvm)!)}/priority", $$"""{"priority":"{{parse.GetValue(level)}}"}""", json, token), ct));
        command.Subcommands.Add(priority);
        return command;
    }

    private static void Print(JsonElement e)
    {
        Console.WriteLine(Table.Clean(ApiCall.Str(e, "answer")));
        var chain = e.GetProperty("chain").EnumerateArray().ToList();
        if (chain.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.Write(Table.Render(["ID", "TIME (UTC)", "KIND", "SUBJECT", "OUTCOME", "WHY"], chain.Select(d => (IReadOnlyList<string>)
        [
            ApiCall.Str(d, "id"), d.GetProperty("time").GetDateTimeOffset().UtcDateTime.ToString("MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            ApiCall.Str(d, "kind"), ApiCall.Str(d, "subject"), ApiCall.Str(d, "outcome"), ApiCall.Str(d, "summary"),
        ])));
    }
}
