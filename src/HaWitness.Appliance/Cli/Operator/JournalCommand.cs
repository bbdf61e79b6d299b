using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HaWitness.Operator.Client;

namespace HaWitness.Appliance.Cli.Operator;

/// <summary>
/// <c>hawitness journal [--limit N] [--subject S] [--kind K] [--follow]</c>: the latest decisions,
/// oldest first (the newest at the bottom, like a log); <c>--follow</c> keeps printing new ones
/// until Ctrl+C. With <c>--json</c>, one decision per line (JSON Lines).
/// </summary>
internal static class JournalCommand
{
    public static Command Create()
    {
        var options = new ClientOptions();
        var limit = new Option<int>("--limit") { Description = "How many of the latest decisions (1..1000)", DefaultValueFactory = _ => 20, HelpName = "N" };
        var subject = new Option<string?>("--subject") { Description = "Only about this subject: host:NAME, vm:NAME, cluster", HelpName = "SUBJECT" };
        var kind = new Option<string?>("--kind") { Description = "Only this kind: HostFailed, FenceHost, PlaceVm, StartVm, AdminLogin ...", HelpName = "KIND" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new decisions as they are journaled (Ctrl+C stops)" };
        var command = new Command("journal", "The decision journal: what was decided, about what, and why") { limit, subject, kind, follow };
        options.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            int n = parse.GetValue(limit);
            if (n is < 1 or > 1000)
            {
                Console.Error.WriteLine("hawitness: --limit must be from 1 to 1000");
                return Task.FromResult(OperatorExit.Usage);
            }

            string filters = Query("subject", parse.GetValue(subject)) + Query("kind", parse.GetValue(kind));
            return ApiCall.RunAsync(parse, options, async (client, json, token) =>
            {
                var answer = await client.GetAsync($"/api/v1/journal?limit={n}{filters}", token).ConfigureAwait(false);
                if (ApiCall.Failure(answer) is { } code)
                {
                    return code;
                }

                long last = Print(answer.Body, json, newestFirst: true);
                if (!parse.GetValue(follow))
                {
                    return OperatorExit.Ok;
                }

                while (!token.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    var more = await client.GetAsync($"/api/v1/journal?limit=1000&after={last}{filters}", token).ConfigureAwait(false);
                    if (more.Ok)
                    {
                        last = Math.Max(last, Print(more.Body, json, newestFirst: false));
                    }
                    else if (more.Status != 0)
                    {
                        return ApiCall.Failure(more) ?? OperatorExit.Failed;
                    }
                }

                return OperatorExit.Ok;
            }, ct);
        });
        return command;
    }

    private static string Query(string name, string? value) => value is null ? string.Empty : $"&{name}={Uri.EscapeDataString(value)}";

    /// <summary>Prints a page oldest first; returns the newest id in it (0 when empty).</summary>
    private static long Print(string body, bool json, bool newestFirst)
    {
        using var doc = JsonDocument.Parse(body);
        var rows = doc.RootElement.GetProperty("decisions").EnumerateArray().ToList();
        if (newestFirst)
        {
            rows.Reverse();
        }

        if (json)
        {
            foreach (var r in rows)
            {
                Console.WriteLine(r.GetRawText());
            }
        }
        else if (rows.Count > 0)
        {
            Console.Write(Table.Render(["ID", "TIME (UTC)", "KIND", "SUBJECT", "OUTCOME", "WHY"], rows.Select(r => (IReadOnlyList<string>)
            [
                ApiCall.Str(r, "id"),
                r.GetProperty("time").GetDateTimeOffset().UtcDateTime.ToString("MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                ApiCall.Str(r, "kind"), ApiCall.Str(r, "subject"), ApiCall.Str(r, "outcome"), ApiCall.Str(r, "summary"),
            ])));
        }

        Console.Out.Flush();
        return rows.Count == 0 ? 0 : rows.Max(r => r.GetProperty("id").GetInt64());
    }
}
