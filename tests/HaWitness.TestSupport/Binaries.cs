namespace HaWitness.TestSupport;

/// <summary>
/// Where the programs under test are. Test projects reference the host projects, so their
/// <c>hawitness.dll</c> and <c>hawitness-agent.dll</c> sit beside the test assembly and run with
/// <c>dotnet</c>; set <c>HAWITNESS_TEST_BIN</c> to a folder of published binaries to test those instead.
/// </summary>
public static class Binaries
{
    public static string? PublishedFolder => Environment.GetEnvironmentVariable("HAWITNESS_TEST_BIN");

    public static (string FileName, IReadOnlyList<string> Prefix) Appliance => Resolve("hawitness");

    public static (string FileName, IReadOnlyList<string> Prefix) Agent => Resolve("hawitness-agent");

    private static (string, IReadOnlyList<string>) Resolve(string name)
    {
        if (PublishedFolder is { Length: > 0 } folder)
        {
            return (Path.Combine(folder, name), []);
        }

        string dll = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: reference the host project from this test project");
        }

        return ("dotnet", [dll]);
    }
}
