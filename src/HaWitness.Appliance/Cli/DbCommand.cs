using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Hosting;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>hawitness db check|bench|rebuild</c>: offline tools for the local journal database. They take the
/// data directory's lock, so they refuse to run beside a live appliance on the same directory.
/// </summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var command = new Command("db", "Offline tools for the journal database (the appliance must not be running on the same --data)");
        command.Subcommands.Add(Check());
        command.Subcommands.Add(Bench());
        command.Subcommands.Add(Rebuild());
        return command;
    }

    private static Command Rebuild()
    {
        var data = CommonOptions.Data();
        var command = new Command("rebuild",
            "If the journal is refused (damaged, truncated), move its files aside (never deleted) and start a new one, seeded with the host and VM rows still readable") { data };
        command.SetAction(parse =>
        {
            try
            {
                using var dir = DataDirectory.Acquire(parse.GetValue(data) ?? "./var/hawitness");
                var result = JournalRebuild.Run(dir.File(JournalStore.FileName));
                string took = result.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
                if (result.Reason is null)
                {
                    Console.WriteLine($"ok: the journal opens; nothing to rebuild ({took} ms)");
                    return CliExit.Ok;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"rebuilt: the damaged journal is in {result.MovedTo}; a new journal starts with {result.Hosts} hosts and {result.Vms} VMs seeded; {JournalRebuild.Gap(result.ReadableDecisions, result.HighWater)}; took {took} ms"));
                Console.WriteLine("was refused because: " + result.Reason);
                return CliExit.Ok;
            }
            catch (Exception ex) when (ex is DataDirectoryException or JournalOpenException or JournalWriteException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine("hawitness: " + ex.Message);
                return CliExit.Failed;
            }
        });
        return command;
    }

    private static Command Check()
    {
        var data = CommonOptions.Data();
        var command = new Command("check", "Open the journal, verify its identity, schema and integrity; print its size") { data };
        command.SetAction(parse =>
        {
            return WithJournal(parse.GetValue(data), journal =>
            {
                var stats = journal.Stats();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ok: {journal.FilePath} schema {JournalStore.SchemaVersion}, {stats.LastDecisionId} decisions, {stats.Events} events, {stats.Bytes} bytes"));
                return CliExit.Ok;
            });
        });
        return command;
    }

    private static Command Bench()
    {
        var data = CommonOptions.Data();
        var count = new Option<int>("--count") { Description = "How many decisions to write", DefaultValueFactory = _ => 1000 };
        var printIds = new Option<bool>("--print-ids") { Description = "Print each decision id once its write is acknowledged (used by the crash test)" };
        var command = new Command("bench", "Write durable decisions as fast as the disk allows; print latency percentiles") { data, count, printIds };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            if (n < 1)
            {
                Console.Error.WriteLine("hawitness: --count must be at least 1");
                return CliExit.Usage;
            }

            bool print = parse.GetValue(printIds);
            return WithJournal(parse.GetValue(data), journal =>
            {
                var stdout = Console.Out;
                var latencies = new double[n];
                for (int i = 0; i < n; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    long id = journal.Append(new NewDecision("Bench", Subjects.Vm("bench-" + (i % 16)), Outcome.Succeeded,
                        new JsonObject { ["seq"] = i, ["pad"] = "evidence of a typical size: sessions before, after, commands" }));
                    latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (print)
                    {
                        stdout.WriteLine(id.ToString(CultureInfo.InvariantCulture));
                        stdout.Flush();
                    }
                }

                Array.Sort(latencies);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{n} durable decisions: p50 {Percentile(latencies, 0.50):F3} ms, p99 {Percentile(latencies, 0.99):F3} ms, max {latencies[^1]:F3} ms"));
                return CliExit.Ok;
            });
        });
        return command;
    }

    private static int WithJournal(string? dataDir, Func<JournalStore, int> action)
    {
        try
        {
            using var dir = DataDirectory.Acquire(dataDir ?? "./var/hawitness");
            using var journal = JournalStore.Open(dir.File(JournalStore.FileName));
            return action(journal);
        }
        catch (Exception ex) when (ex is DataDirectoryException or JournalOpenException or JournalWriteException)
        {
            Console.Error.WriteLine("hawitness: " + ex.Message);
            return CliExit.Failed;
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
