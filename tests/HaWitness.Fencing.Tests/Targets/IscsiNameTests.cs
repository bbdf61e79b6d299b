using HaWitness.Fencing.Targets;
using HaWitness.Core.Configuration;

namespace HaWitness.Fencing.Tests.Targets;

public sealed class IscsiNameTests
{
    [Theory]
    [InlineData("iqn.2026-01.test:hosta")]
    [InlineData("iqn.1993-08.org.debian:01:3e7f5c9a8b")]
    [InlineData("iqn.2003-01.org.linux-iscsi.witness.x8664:sn.0123456789ab")]
    [InlineData("iqn.1998-01.com.vmware:esx01-5c3d7a2b")]
    [InlineData("iqn.2001-04.com.example")]
    [InlineData("eui.02004567A425678D")]
    [InlineData("eui.02004567a425678d")]
    [InlineData("naa.52004567BA64678D")]
    [InlineData("naa.52004567BA64678D52004567BA64678D")]
    public void Valid_Names_AreAccepted(string name) => Assert.Null(IscsiName.Check(name));

    [Theory]
    [InlineData("iqn.2026-01.test:a;reboot", "';'")]
    [InlineData("iqn.2026-01.test:$(reboot)", "'$'")]
    [InlineData("iqn.2026-01.test:`id`", "'`'")]
    [InlineData("iqn.2026-01.test:a'b", "'''")]
    [InlineData("iqn.2026-01.test:a\"b", "'\"'")]
    [InlineData("iqn.2026-01.test:a\nb", "a newline")]
    [InlineData("iqn.2026-01.test:a b", "a space")]
    [InlineData("iqn.2026-01.test:a\tb", "a tab")]
    [InlineData("iqn.2026-01.test:a/../b", "'/'")]
    [InlineData("iqn.2026-01.test:é", "non-ASCII")]
    [InlineData("iqn.2026-01.Test:a", "lowercase")]
    [InlineData("iqn.2026-01.test:Host", "lowercase")]
    [InlineData("IQN.2026-01.test:a", "starts with")]
    [InlineData("iqn.2026-13.test:a", "month")]
    [InlineData("iqn.26-01.test:a", "iqn.YYYY-MM")]
    [InlineData("iqn.2026-01.:a", "reversed domain")]
    [InlineData("iqn.2026-01.test:", "suffix")]
    [InlineData("iqn.2026-01.-bad:a", "reversed domain")]
    [InlineData("eui.0200", "16 hex")]
    [InlineData("eui.02004567A425678G", "16 hex")]
    [InlineData("naa.1234", "hex")]
    [InlineData("ALL", "starts with")]
    [InlineData("", "required")]
    public void Hostile_Or_Malformed_Names_AreRejectedWithAReason(string name, string because)
    {
        string? why = IscsiName.Check(name);
        Assert.NotNull(why);
        Assert.Contains(because, why, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', why);
    }

    [Fact]
    public void Overlong_Names_AreRejected_AtTheByteLimit()
    {
        string prefix = "iqn.2026-01.test:";
        string fits = prefix + new string('a', IscsiName.MaxBytes - prefix.Length);
        Assert.Null(IscsiName.Check(fits));
        Assert.Contains("at most 223 bytes", IscsiName.Check(fits + "a"), StringComparison.Ordinal);
    }

    [Fact]
    public void Printable_EscapesControlCharacters()
    {
        string printable = IscsiName.Printable("iqn.x:a\nb$(x)");
        Assert.DoesNotContain('\n', printable);
        Assert.Contains("a newline", printable, StringComparison.Ordinal);
    }
}
