using System.Globalization;
using System.Text.Json;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Microsoft.Data.Sqlite;

namespace HaWitness.Appliance.Tests;

/// <summary>
/// A writer process killed with SIGKILL in the middle of a stream of durable decisions loses no
/// acknowledged row and leaves a database that passes SQLite's full integrity check.
/// </summary>
public sealed class JournalCrashTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Sigkill_MidStream_LosesNoAcknowledgedDecision_AndLeavesNoCorruption()
    {
        string data = _dir.File("data");
        var acknowledged = new List<long>();
        var rng = new Random(20261127);

        for (int round = 0; round < 5; round++)
        {
            int killAfter = rng.Next(50, 600);
            using var writer = TestProcess.Start(Binaries.Appliance, ["db", "bench", "--data", data, "--count", "10000000", "--print-ids"]);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (writer.StdOut.Count(l => long.TryParse(l, out _)) < killAfter && !writer.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5);
            }

            writer.Signal(Posix.SIGKILL);
            await writer.WaitForExitAsync(TimeSpan.FromSeconds(10));
            // Every id the writer printed was printed after its commit returned.
            acknowledged.AddRange(writer.StdOut.Where(l => long.TryParse(l, out _)).Select(l => long.Parse(l, CultureInfo.InvariantCulture)));
        }

        string db = Path.Combine(data, JournalStore.FileName);
        using (var c = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", cmd.ExecuteScalar() as string);
        }

        using var journal = JournalStore.Open(db);
        var stored = new Dictionary<long, DecisionRecord>();
        long? cursor = null;
        while (true)
        {
            var page = journal.Decisions(new DecisionQuery(BeforeId: cursor, Limit: 1000));
            if (page.Count == 0)
            {
                break;
            }

            foreach (var d in page)
            {
                stored[d.Id] = d;
            }

            cursor = page[^1].Id;
        }

        Assert.True(acknowledged.Count >= 250, $"only {acknowledged.Count} acknowledged rows: the test did not exercise much");
        var missing = acknowledged.Where(id => !stored.ContainsKey(id)).ToList();
        Assert.Empty(missing);
        foreach (long id in acknowledged)
        {
            using var evidence = JsonDocument.Parse(stored[id].EvidenceJson);
            Assert.True(evidence.RootElement.TryGetProperty("seq", out _));
        }
    }
}
