using HaWitness.Fencing.Targets;
using HaWitness.Fencing.Targets.Tgt;

namespace HaWitness.Fencing.Tests.Targets.Tgt;

/// <summary>tgtadm output as recorded from tgt 1.0.85 on this machine (Recorded/*.txt).</summary>
public sealed class TgtadmParserTests
{
    private static string Recorded(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Targets", "Tgt", "Recorded", name));

    [Fact]
    public void ShowTarget_Recorded_ParsesTargetsLunsAclsAndSessions()
    {
        var targets = TgtadmParser.ParseTargets(Recorded("show-target.txt"));

        Assert.Equal([1, 2], targets.Select(t => t.Tid));
        var t1 = targets[0];
        Assert.Equal("iqn.2026-01.test:t1", t1.Name);
        Assert.Equal("ready", t1.State);
        Assert.Equal(["0.0.0.0/32", "iqn.2026-01.test:hosta", "iqn.2026-01.test:hostb"], t1.Acls);
        Assert.Equal([0, 1], t1.Luns.Select(l => l.Number));
        Assert.Null(t1.Luns[0].Backing);
        Assert.Equal("/tmp/tgx/lun1.img", t1.Luns[1].Backing);
        Assert.Equal([3L, 4L], t1.Nexuses.Select(n => n.Id));
        Assert.Equal("iqn.2026-01.test:hostb", t1.Nexuses[1].Initiator);
        Assert.Equal("127.0.0.2", t1.Nexuses[1].Connections.Single().Address);
        Assert.Equal(["ALL"], targets[1].Acls);
        Assert.Empty(targets[1].Nexuses);
    }

    [Fact]
    public void ShowConn_Recorded_ParsesSessionAndConnectionIds()
    {
        var conns = TgtadmParser.ParseConnections(Recorded("show-conn.txt"));
        Assert.Equal(
            [new TgtConnection(3, 0, "iqn.2026-01.test:hosta", "127.0.0.1"), new TgtConnection(4, 0, "iqn.2026-01.test:hostb", "127.0.0.2")],
            conns);
    }

    [Fact]
    public void UnknownLinesAndSections_AreTolerated()
    {
        string output = """
            Target 7: iqn.2026-01.test:t7
                System information:
                    Driver: iscsi
                    State: ready
                    Some future field: 42
                Brand new section:
                    Whatever: 1
                I_T nexus information:
                    I_T nexus: 9
                        Initiator: iqn.2026-01.test:hosta alias: none
                        Future nexus detail: yes
                        Connection: 2
                            IP Address: 10.0.0.5
                            Transport: tcp
                ACL information:
                    iqn.2026-01.test:hosta
            """;
        var t = Assert.Single(TgtadmParser.ParseTargets(output));
        Assert.Equal(7, t.Tid);
        Assert.Equal(["iqn.2026-01.test:hosta"], t.Acls);
        var n = Assert.Single(t.Nexuses);
        Assert.Equal(new TgtConnection(9, 2, "iqn.2026-01.test:hosta", "10.0.0.5"), Assert.Single(n.Connections));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void EmptyOutput_IsNoTargets(string output)
    {
        Assert.Empty(TgtadmParser.ParseTargets(output));
        Assert.Empty(TgtadmParser.ParseConnections(output));
    }

    [Theory]
    [InlineData("tgtadm: can't send the request to the tgt daemon, Transport endpoint is not connected")]
    [InlineData("<html>not tgtadm</html>")]
    [InlineData("Target one: iqn.2026-01.test:t1")]
    [InlineData("Target 1: iqn.2026-01.test:t1\n    I_T nexus information:\n        I_T nexus: x")]
    public void ForeignOutput_IsUnparsable_NotEmpty(string output)
    {
        var ex = Assert.Throws<TargetException>(() => TgtadmParser.ParseTargets(output));
        Assert.Equal(TargetErrorKind.UnparsableOutput, ex.Error.Kind);
    }

    [Fact]
    public void ForeignConnOutput_IsUnparsable()
    {
        var ex = Assert.Throws<TargetException>(() => TgtadmParser.ParseConnections("Connection: 0\n"));
        Assert.Equal(TargetErrorKind.UnparsableOutput, ex.Error.Kind);
    }

    [Fact]
    public void Acl_All_And_AddressAcls_MakeATargetUnsafe_TheSentinelDoesNot()
    {
        var targets = TgtadmParser.ParseTargets(Recorded("show-target.txt"));
        Assert.Null(TgtAcl.UnsafeReason(targets[0], 0));
        string? all = TgtAcl.UnsafeReason(targets[1], 12);
        Assert.NotNull(all);
        Assert.Contains("address ACL ALL", all, StringComparison.Ordinal);
        Assert.Contains("tgtadm -C 12 --lld iscsi --op unbind --mode target --tid 2 --initiator-address ALL", all, StringComparison.Ordinal);

        var subnet = targets[0] with { Acls = ["192.168.1.0/24", "iqn.2026-01.test:hosta"] };
        Assert.Contains("address ACL 192.168.1.0/24", TgtAcl.UnsafeReason(subnet, 0), StringComparison.Ordinal);
        var odd = targets[0] with { Acls = ["iqn.2026-01.test:a;b"] };
        Assert.Contains("neither an address nor a valid iSCSI name", TgtAcl.UnsafeReason(odd, 0), StringComparison.Ordinal);
    }

    [Fact]
    public void Persistence_RendersNameAclsAndTheNoAddressLine_ForManagedTargets()
    {
        var t1 = TgtadmParser.ParseTargets(Recorded("show-target.txt"))[0];
        string conf = TgtPersistence.Render([t1]);
        Assert.Contains("""
            <target iqn.2026-01.test:t1>
                initiator-address 0.0.0.0/32
                initiator-name iqn.2026-01.test:hosta
                initiator-name iqn.2026-01.test:hostb
            </target>
            """.ReplaceLineEndings("\n"), conf, StringComparison.Ordinal);
        Assert.Equal(
            ["sh", "-c", "umask 022 && printf '%s' \"$2\" > \"$1.tmp\" && sync \"$1.tmp\" && mv -f \"$1.tmp\" \"$1\" && sync \"${1%/*}/\"", "hawitness-persist", "/etc/tgt/conf.d/hawitness.conf", conf],
            TgtPersistence.WriteCommand("/etc/tgt/conf.d/", conf));
    }
}
