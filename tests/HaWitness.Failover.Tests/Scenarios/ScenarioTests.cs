using System.Runtime.CompilerServices;
using HaWitness.Failover.Simulation;

namespace HaWitness.Failover.Tests.Scenarios;

/// <summary>
/// Every folder here is a story: <c>layout</c>, <c>events</c> and <c>expected-journal</c>. The
/// simulation replays the events on the fake clock with the real engine; the journal, final state
/// and alarms it produces must equal <c>expected-journal</c> line for line. A change of behaviour
/// shows up as a diff. <c>HAWITNESS_TEST_BLESS=1</c> rewrites the expected files (review the diff).
/// </summary>
public sealed class ScenarioTests
{
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Folder()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Scenario_JournalsExactlyWhatItsStorySays(string name) =>
        Verify(Path.Combine(Folder(), name), name, Environment.GetEnvironmentVariable("HAWITNESS_TEST_BLESS") == "1");

    [Fact]
    public void AStoryWithoutItsExpectedJournal_Fails_AndLeavesWhatItDidForReview()
    {
        using var dir = new HaWitness.TestSupport.TempDir("scenario");
        foreach (string file in new[] { "layout", "events" })
        {
            File.Copy(Path.Combine(Folder(), "a-crashes", file), Path.Combine(dir.Path, file));
        }

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Verify(dir.Path, "a-crashes-copy", bless: false));
        Assert.False(File.Exists(Path.Combine(dir.Path, "expected-journal")));
        Assert.Equal(File.ReadAllText(Path.Combine(Folder(), "a-crashes", "expected-journal")), File.ReadAllText(Path.Combine(dir.Path, "expected-journal.new")));
    }

    private static void Verify(string dir, string name, bool bless)
    {
        string actual = Scenario.Run(dir);
        string expectedPath = Path.Combine(dir, "expected-journal");
        if (bless)
        {
            File.WriteAllText(expectedPath, actual);
        }
        else if (!File.Exists(expectedPath))
        {
            // A story without its expected journal proves nothing: write what it does now for the
            // author to review and commit, and fail until then.
            File.WriteAllText(expectedPath + ".new", actual);
            Assert.Fail($"scenario {name} has no expected-journal; review {expectedPath}.new and rename it (or run with HAWITNESS_TEST_BLESS=1)");
        }

        string expected = File.ReadAllText(expectedPath);
        Assert.True(expected == actual, Diff(name, expected, actual));
        Assert.Contains("safety held at every step", actual, StringComparison.Ordinal);
    }

    private static string Diff(string name, string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end>";
            string al = i < a.Length ? a[i] : "<end>";
            if (el != al)
            {
                return $"scenario {name}: first difference at line {i + 1}\n- expected: {el}\n+ actual:   {al}\n(HAWITNESS_TEST_BLESS=1 rewrites the expected file)\n--- actual ---\n{actual}";
            }
        }

        return string.Empty;
    }

    private static string Folder([CallerFilePath] string self = "") => Path.GetDirectoryName(self)!;
}
