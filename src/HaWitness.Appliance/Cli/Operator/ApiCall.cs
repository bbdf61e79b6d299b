using System.CommandLine;
using System.Text.Json;
using HaWitness.Operator.Client;

namespace HaWitness.Appliance.Cli.Operator;

/// <summary>Runs one operator command against the API: connect, call, print, and map the answer to an exit code.</summary>
internal static class ApiCall
{
    public static async Task<int> RunAsync(ParseResult parse, ClientOptions options, Func<OperatorClient, bool, CancellationToken, Task<int>> call, CancellationToken cancellationToken)
    {
        var (client, error) = options.Connect(parse);
        if (client is null)
        {
            await Console.Error.WriteLineAsync("hawitness: " + error).ConfigureAwait(false);
            return OperatorExit.Usage;
        }

        using (client)
        {
            return await call(client, parse.GetValue(options.Json), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Prints a failed answer on stderr and returns its exit code; null when the answer is a success.</summary>
    public static int? Failure(ApiAnswer answer)
    {
        if (answer.Ok)
        {
            return null;
        }

        string prefix = answer.Status switch
        {
            0 => string.Empty,
            401 => "not authorised (give the admin password with --password-file or $" + ClientOptions.PasswordVariable + "): ",
            _ => $"HTTP {answer.Status}: ",
        };
        Console.Error.WriteLine("hawitness: " + prefix + answer.Message);
        return OperatorExit.Of(answer);
    }

    /// <summary>A GET whose body is printed as is with --json, else handed to <paramref name="print"/>.</summary>
    public static async Task<int> GetAndPrintAsync(OperatorClient client, string path, bool json, Action<JsonElement> print, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (json && answer.Status is 200 or 404 && IsJson(answer.Body))
        {
            Console.WriteLine(answer.Body);
            return OperatorExit.Of(answer);
        }

        if (Failure(answer) is { } code)
        {
            return code;
        }

        using var doc = JsonDocument.Parse(answer.Body);
        print(doc.RootElement);
        return OperatorExit.Ok;
    }

    /// <summary>A POST of an operator action: prints the result's message (or its JSON) and maps 200/404/409/503.</summary>
    public static async Task<int> PostActionAsync(OperatorClient client, string path, string body, bool json, CancellationToken cancellationToken)
    {
        var answer = await client.PostAsync(path, body, cancellationToken).ConfigureAwait(false);
        if (json && IsJson(answer.Body))
        {
            Console.WriteLine(answer.Body);
            return OperatorExit.Of(answer);
        }

        if (answer.Ok)
        {
            Console.WriteLine(Table.Clean(answer.Message));
            return OperatorExit.Ok;
        }

        return Failure(answer) ?? OperatorExit.Failed;
    }

    public static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? string.Empty,
            JsonValueKind.Null or JsonValueKind.Undefined => "-",
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => v.GetRawText(),
        } : "-";

    private static bool IsJson(string body)
    {
        try
        {
            using var _ = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
