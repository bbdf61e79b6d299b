using HaWitness.Core.Configuration;
using HaWitness.TestSupport;

namespace HaWitness.Core.Tests.Configuration;

/// <summary>The <c>Target</c> section (storage fencing) is validated like every other key.</summary>
public sealed class TargetConfigurationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Defaults_AreValid()
    {
        var o = ApplianceConfiguration.Load(null, [], defaultFile: _dir.File("absent.json"));
        Assert.Equal(("tgt", "root@127.0.0.1:22", "/etc/tgt/conf.d", 3), (o.Target.Driver, o.Target.Ssh, o.Target.TgtConfDirectory, o.Target.FenceAttempts));
    }

    [Fact]
    public void FileValues_AreBound()
    {
        string file = _dir.File("a.json");
        File.WriteAllText(file, """{ "Target": { "Driver": "lio", "Ssh": "admin@[::1]:2200", "TgtControlPort": 12, "Sudo": true, "TgtConfDirectory": "" } }""");
        var o = ApplianceConfiguration.Load(file, []);
        Assert.Equal(("lio", "admin@[::1]:2200", 12, true, ""), (o.Target.Driver, o.Target.Ssh, o.Target.TgtControlPort, o.Target.Sudo, o.Target.TgtConfDirectory));
    }

    [Theory]
    [InlineData("""{ "Target": { "Driver": "iet" } }""", "Target:Driver = 'iet' is not allowed")]
    [InlineData("""{ "Target": { "Ssh": "root@host;reboot" } }""", "Target:Ssh = 'root@host;reboot' is not valid")]
    [InlineData("""{ "Target": { "Ssh": "127.0.0.1" } }""", "Target:Ssh")]
    [InlineData("""{ "Target": { "Ssh": "root@127.0.0.1:70000" } }""", "port '70000'")]
    [InlineData("""{ "Target": { "TgtControlPort": 40000 } }""", "Target:TgtControlPort = 40000 is out of range; allowed 0..32767")]
    [InlineData("""{ "Target": { "TgtConfDirectory": "/etc/tgt/conf.d; rm -rf /" } }""", "Target:TgtConfDirectory")]
    [InlineData("""{ "Target": { "TgtConfDirectory": "/etc/../tmp" } }""", "Target:TgtConfDirectory")]
    [InlineData("""{ "Target": { "FenceAttempts": 0 } }""", "Target:FenceAttempts = 0 is out of range")]
    [InlineData("""{ "Target": { "LioMode": "rtslib" } }""", "Target:LioMode")]
    [InlineData("""{ "Target": { "SshKeyFile": "/x" } }""", "SshKeyFile")]
    public void BadValues_AreRefused_NamingTheKey(string json, string expected)
    {
        string file = _dir.File("a.json");
        File.WriteAllText(file, json);
        var ex = Assert.Throws<ConfigurationException>(() => ApplianceConfiguration.Load(file, []));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
