using HaWitness.Core.Journal;
using HaWitness.TestSupport;
using Xunit.Abstractions;

namespace HaWitness.Appliance.Tests.Cli;

/// <summary><c>hawitness db check</c> and <c>db rebuild</c> as an operator runs them, on a journal whose WAL was cut.</summary>
public sealed class DbRebuildTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CutWal_CheckExitsOneNamingRebuild_RebuildMovesItAside_ThenCheckIsOk()
    {
        string data = _dir.File("data");
        string live = _dir.File("live");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(live);
        using (var journal = JournalStore.Open(Path.Combine(live, JournalStore.FileName)))
        {
            for (int i = 0; i < 50; i++)
            {
                journal.Append(new NewDecision("Filler", Subjects.Vm("v"), Outcome.Decided));
            }

            journal.WriteHighWater();
            foreach (var name in new[] { JournalStore.FileName, JournalStore.FileName + "-wal", HighWaterMark.FileName })
            {
                File.Copy(Path.Combine(live, name), Path.Combine(data, name));
            }
        }

        using (var f = new FileStream(Path.Combine(data, JournalStore.FileName + "-wal"), FileMode.Open))
        {
            f.SetLength(f.Length / 2);
        }

        var (code, _, stderr) = await TestProcess.RunAsync(Binaries.Appliance, ["db", "check", "--data", data]);
        output.WriteLine($"check: {code} {stderr}");
        Assert.Equal(1, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("is damaged or truncated", stderr, StringComparison.Ordinal);
        Assert.Contains("hawitness db rebuild", stderr, StringComparison.Ordinal);

        var (rcode, rout, rerr) = await TestProcess.RunAsync(Binaries.Appliance, ["db", "rebuild", "--data", data]);
        output.WriteLine($"rebuild: {rcode} {rout} {rerr}");
        Assert.Equal(0, rcode);
        Assert.StartsWith("rebuilt: the damaged journal is in ", rout, StringComparison.Ordinal);
        Assert.Contains("of the old journal are lost", rout, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(data, "journal-damaged-*"));

        var (ccode, cout, _) = await TestProcess.RunAsync(Binaries.Appliance, ["db", "check", "--data", data]);
        Assert.Equal(0, ccode);
        Assert.StartsWith("ok:", cout, StringComparison.Ordinal);
    }
}
