using HaWitness.Core.Configuration;
using HaWitness.Core.Storage;
using HaWitness.TestSupport;

namespace HaWitness.Core.Tests.Configuration;

public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string json)
    {
        string path = _dir.File("appliance.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Load_WithNoFile_GivesTheEmbeddedDefaults()
    {
        var o = ApplianceConfiguration.Load(null, [], defaultFile: _dir.File("absent.json"));
        Assert.Equal("./var/hawitness", o.DataDirectory);
        Assert.Equal("http://127.0.0.1:8080", o.Urls);
    }

    [Fact]
    public void Load_FileThenCommandLine_CommandLineWins()
    {
        string file = Write("""{ "DataDirectory": "/srv/hw", "Urls": "http://127.0.0.1:9000" }""");
        var o = ApplianceConfiguration.Load(file, [KeyValuePair.Create<string, string?>("Urls", "http://127.0.0.1:9001")]);
        Assert.Equal("/srv/hw", o.DataDirectory);
        Assert.Equal("http://127.0.0.1:9001", o.Urls);
    }

    [Theory]
    [InlineData("""{ "ShutdownTimeoutMs": 5 }""", "ShutdownTimeoutMs = 5 is out of range; allowed 100..60000 ms")]
    [InlineData("""{ "ShutdownTimeoutMs": "soon" }""", "ShutdownTimeoutMs")]
    [InlineData("""{ "Urls": "ftp://x" }""", "Urls has 'ftp://x'")]
    [InlineData("""{ "DataDirectory": "" }""", "DataDirectory is empty")]
    [InlineData("""{ "LeaseMs": 5000 }""", "LeaseMs")]
    [InlineData("""{ "Journal": { "CheckpointIntervalMs": 10 } }""", "Journal:CheckpointIntervalMs = 10 is out of range; allowed 1000..86400000 ms")]
    [InlineData("""{ "Journal": { "RetentionDays": -1 } }""", "Journal:RetentionDays = -1 is out of range")]
    [InlineData("""{ "Journal": { "MaxDecisions": 10 } }""", "Journal:MaxDecisions = 10 is out of range; allowed 0 (no limit) or 1000..100000000")]
    [InlineData("""{ "Journal": { "Retention": 5 } }""", "Retention")]
    [InlineData("""{ "Urls": "http://127.0.0.1:1", }""", null)]
    public void Load_BadValue_NamesTheKeyInOneLine(string json, string? expected)
    {
        string file = Write(json);
        if (expected is null)
        {
            // Trailing commas are tolerated: not every bad-looking file is bad.
            Assert.Equal("http://127.0.0.1:1", ApplianceConfiguration.Load(file, []).Urls);
            return;
        }

        var ex = Assert.Throws<ConfigurationException>(() => ApplianceConfiguration.Load(file, []));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Load_JournalSection_BindsItsKeys()
    {
        string file = Write("""{ "Journal": { "CheckpointIntervalMs": 5000, "RetentionDays": 30, "MaxEvents": 0 } }""");
        var o = ApplianceConfiguration.Load(file, []);
        Assert.Equal((5000, 30, 0, 1_000_000), (o.Journal.CheckpointIntervalMs, o.Journal.RetentionDays, o.Journal.MaxEvents, o.Journal.MaxDecisions));
    }

    [Fact]
    public void Load_BrokenJson_SaysWhereItBroke()
    {
        string file = Write("{\n  \"Urls\": \"http://127.0.0.1:1\"\n  \"DataDirectory\": \"x\"\n}");
        var ex = Assert.Throws<ConfigurationException>(() => ApplianceConfiguration.Load(file, []));
        Assert.Contains("invalid JSON at line 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NamedFileMissing_IsAnError()
    {
        var ex = Assert.Throws<ConfigurationException>(() => ApplianceConfiguration.Load(_dir.File("nope.json"), []));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--witness", null, "Witness is not set")]
    [InlineData("JoinToken", "short", "JoinToken is malformed")]
    [InlineData("JoinToken", "abcdefghijklmnop;rm -rf /", "JoinToken is malformed")]
    [InlineData("Name", "host a", "is not a valid host name")]
    [InlineData("Name", "-leadingdash", "is not a valid host name")]
    [InlineData("Hypervisor", "xen", "allowed: sim | vix | vmrun | libvirt")]
    [InlineData("Raft", "10.0.0.1", "allowed: IP:PORT")]
    [InlineData("SimVms", "-1", "SimVms = -1 is out of range")]
    [InlineData("PowerOffBoundMs", "50", "PowerOffBoundMs = 50 is out of range; allowed 100..120000 ms (or 0: the driver's own bound)")]
    [InlineData("PowerOffBoundMs", "-1", "PowerOffBoundMs = -1 is out of range")]
    public void AgentLoad_BadValue_NamesTheKey(string key, string? value, string expected)
    {
        var values = new Dictionary<string, string?>
        {
            ["Witness"] = "http://127.0.0.1:8080",
            ["JoinToken"] = "0123456789abcdef0123",
            ["Name"] = "host-a",
            ["Hypervisor"] = "sim",
        };
        if (key == "--witness")
        {
            values.Remove("Witness");
        }
        else
        {
            values[key] = value;
        }

        var ex = Assert.Throws<ConfigurationException>(() => AgentConfiguration.Load(null, values, defaultFile: _dir.File("absent.json")));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "sim", PowerOffBounds.SimMs)]
    [InlineData(null, "libvirt", PowerOffBounds.HypervisorMs)]
    [InlineData(null, "vix", PowerOffBounds.HypervisorMs)]
    [InlineData("2500", "sim", 2500)]
    [InlineData("700", "libvirt", 700)]
    public void PowerOffBound_IsTheDriversOwn_UnlessConfigured(string? configured, string driver, int expected)
    {
        var values = new Dictionary<string, string?>
        {
            ["Witness"] = "http://127.0.0.1:8080",
            ["JoinToken"] = "0123456789abcdef0123",
            ["Name"] = "host-a",
            ["Hypervisor"] = driver,
        };
        if (configured is not null)
        {
            values["PowerOffBoundMs"] = configured;
        }

        var options = AgentConfiguration.Load(null, values, defaultFile: _dir.File("absent.json"));
        Assert.Equal(expected, PowerOffBounds.Effective(options.PowerOffBoundMs, driver));
    }

    [Fact]
    public void DataDirectory_SecondOwner_IsRefusedWithTheHoldersPid()
    {
        using var first = DataDirectory.Acquire(_dir.File("data"));
        var ex = Assert.Throws<DataDirectoryException>(() => DataDirectory.Acquire(_dir.File("data")));
        Assert.Contains("in use by another HaWitness process", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);
    }
}
