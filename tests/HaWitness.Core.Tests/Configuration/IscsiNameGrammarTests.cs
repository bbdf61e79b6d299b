using HaWitness.Core.Configuration;

namespace HaWitness.Core.Tests.Configuration;

public sealed class IscsiNameGrammarTests
{
    [Theory]
    [InlineData("iqn.2026-01.test:hosta")]
    [InlineData("iqn.1993-08.org.debian:01:6d8b4b6c5f1a")]
    [InlineData("iqn.2001-04.com.example")]
    [InlineData("iqn.2001-04.com.example:storage.disk2.sys1.xyz")]
    [InlineData("eui.02004567a425678d")]
    [InlineData("naa.52004567ba64678d")]
    public void IsValid_AcceptsRfc3720Names(string name) => Assert.True(IscsiName.IsValid(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("iqn.26-01.test:a")]
    [InlineData("iqn.2026-00.test:a")]
    [InlineData("iqn.2026-01.:a")]
    [InlineData("iqn.2026-01.test:a b")]
    [InlineData("iqn.2026-01.test:a'b")]
    [InlineData("iqn.2026-01.test:a\nb")]
    [InlineData("IQN.2026-01.TEST:A")]
    [InlineData("eui.02004567a425678")]
    [InlineData("-iqn.2026-01.test:a")]
    public void IsValid_RefusesEverythingElse(string? name) => Assert.False(IscsiName.IsValid(name));

    [Fact]
    public void IsValid_RefusesNamesLongerThan223Characters() =>
        Assert.False(IscsiName.IsValid("iqn.2026-01.test:" + new string('a', 223)));
}
