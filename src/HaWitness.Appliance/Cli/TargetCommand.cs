using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Core.Fencing;
using HaWitness.Fencing.Targets;
using HaWitness.Hosting;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>hawitness target list|grant|fence|unfence</c>: the storage wall by hand (and for scripts).
/// <c>fence</c> exits 0 only when the fence is verified; every grant, fence and unfence is
/// journaled in the data directory like the appliance's own.
/// </summary>
internal static class TargetCommand
{
    public static Command Create()
    {
        var command = new Command("target", "Manage the iSCSI target over SSH: list, grant, fence (verified), unfence");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Change("grant", "Add an initiator to the ACL of every target (a new host)", Operation.Grant));
        command.Subcommands.Add(Change("fence", "Cut an initiator off every target: revoke, drop its sessions, verify; exit 0 only when verified", Operation.Fence));
        command.Subcommands.Add(Change("unfence", "Admit a fenced initiator again (only once none of its old processes can still write)", Operation.Unfence));
        command.Subcommands.Add(TargetBenchCommand.Create());
        return command;
    }

    internal enum Operation
    {
        Grant,
        Fence,
        Unfence,
    }

    private static Command List()
    {
        var flags = new TargetContext.Flags();
        var command = new Command("list", "List targets, LUNs, ACLs and live sessions");
        flags.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var context = TargetContext.Create(parse, flags);
            if (context is null)
            {
                return CliExit.Usage;
            }

            TargetInventory inventory;
            try
            {
                inventory = await context.Driver.ListAsync(ct).ConfigureAwait(false);
            }
            catch (TargetException ex)
            {
                return TargetContext.Fail(ex);
            }

            Console.WriteLine($"{context.Driver.Kind} on {context.Driver.Destination}: {inventory.Targets.Count} target(s)");
            foreach (var t in inventory.Targets)
            {
                Console.WriteLine($"target {t.Name} ({t.Locator})");
                foreach (var lun in t.Luns)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  lun {lun.Number}: {lun.Backing ?? "-"}"));
                }

                foreach (var acl in t.Initiators)
                {
                    Console.WriteLine($"  acl {acl}");
                }

                foreach (var s in inventory.Sessions.Where(s => s.Target == t.Name))
                {
                    Console.WriteLine($"  session {s}");
                }

                if (t.UnsafeReason is { } reason)
                {
                    Console.WriteLine($"  UNSAFE: {reason}");
                }
            }

            foreach (var s in inventory.Sessions.Where(s => s.Target.Length == 0))
            {
                Console.WriteLine($"session {s}");
            }

            return CliExit.Ok;
        });
        return command;
    }

    private static Command Change(string name, string description, Operation op)
    {
        var flags = new TargetContext.Flags();
        var initiator = new Option<string>("--initiator") { Description = "The host's iSCSI initiator name", HelpName = "IQN", Required = true };
        var host = new Option<string?>("--host") { Description = "The host's name for the journal (default: the initiator name)", HelpName = "NAME" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the journal (default: \"operator command\")", HelpName = "TEXT" };
        var command = new Command(name, description) { initiator, host, reason };
        flags.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            string? iqn = parse.GetValue(initiator);
            if (!TargetContext.CheckInitiator(iqn))
            {
                return CliExit.Usage;
            }

            await using var context = TargetContext.Create(parse, flags);
            if (context is null)
            {
                return CliExit.Usage;
            }

            if (!context.OpenJournal())
            {
                return CliExit.Failed;
            }

            var request = new FenceRequest(parse.GetValue(host) ?? iqn!, iqn!, parse.GetValue(reason) ?? "operator command");
            var fencer = context.Fencer();
            var outcome = op switch
            {
                Operation.Fence => await fencer.FenceAsync(request, ct).ConfigureAwait(false),
                Operation.Unfence => await fencer.UnfenceAsync(request, ct).ConfigureAwait(false),
                _ => await fencer.GrantAsync(request, ct).ConfigureAwait(false),
            };
            Print(context, outcome.Evidence);
            if (outcome.Verified)
            {
                Console.WriteLine((op == Operation.Fence ? "FENCED (verified): " : "DONE (verified): ") + outcome.Summary);
                return CliExit.Ok;
            }

            Console.Error.WriteLine("hawitness: FAILED: " + outcome.Summary);
            // The typed error kind from the evidence (FenceEvidence.Error), not a prefix of the message.
            return outcome.Evidence["error"]?["kind"]?.GetValue<string>() == nameof(TargetErrorKind.InvalidInput) ? CliExit.Usage : CliExit.Failed;
        });
        return command;
    }

    private static void Print(TargetContext context, JsonObject evidence)
    {
        Console.WriteLine($"target: {context.Driver.Kind} on {context.Driver.Destination}");
        Console.WriteLine("before: " + Describe(evidence["grantedBefore"], evidence["sessionsBefore"]));
        // Each SSH invocation ("ssh:", with its round trip), then the commands its script ran on the target ("ran:").
        foreach (var c in evidence["commands"]?.AsArray() ?? [])
        {
            string note = c!["note"]?.GetValue<string>() is { } n ? " (" + n + ")" : string.Empty;
            string what = c["step"]?.GetValue<bool>() == true ? "  ran: " : "ssh: ";
            string time = c["ms"]?.GetValue<double>() is { } ms ? string.Create(CultureInfo.InvariantCulture, $" in {ms:F1} ms") : string.Empty;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what}{c["command"]!.GetValue<string>().ReplaceLineEndings(" ")} -> exit {c["exit"]!.GetValue<int>()}{time}{note}"));
        }

        Console.WriteLine("after: " + Describe(evidence["grantedAfter"], evidence["sessionsAfter"]));
        if (evidence["persistence"]?.GetValue<string>() is { } persisted)
        {
            Console.WriteLine("persisted: " + persisted);
        }

        foreach (var p in evidence["problems"]?.AsArray() ?? [])
        {
            Console.Error.WriteLine("problem: " + p!.GetValue<string>());
        }
    }

    private static string Describe(JsonNode? granted, JsonNode? sessions)
    {
        var acls = granted?.AsArray().Select(g => g!.GetValue<string>()).ToList() ?? [];
        var live = sessions?.AsArray().Select(s =>
            $"{s!["initiator"]!.GetValue<string>()} on {s["target"]!.GetValue<string>()} sid {s["sid"]!.GetValue<string>()}" +
            (s["address"]?.GetValue<string>() is { } a ? " from " + a : string.Empty)).ToList() ?? [];
        string aclText = acls.Count == 0 ? "in no target's ACL" : $"in the ACL of {acls.Count} target(s): {string.Join(", ", acls)}";
        string sessionText = live.Count == 0 ? "no live session" : $"{live.Count} live session(s): {string.Join("; ", live)}";
        return aclText + "; " + sessionText;
    }
}
