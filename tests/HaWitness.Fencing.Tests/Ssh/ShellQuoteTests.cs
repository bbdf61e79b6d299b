using System.Text;
using HaWitness.Fencing.Ssh;
using HaWitness.TestSupport;

namespace HaWitness.Fencing.Tests.Ssh;

public sealed class ShellQuoteTests
{
    public static TheoryData<string[]> Hostile => new()
    {
        { ["; rm -rf /tmp/nothing-here"] },
        { ["$(touch /tmp/hawitness-pwned)", "`id`"] },
        { ["it's", "\"double\"", "'", "''", "\\", "\\'"] },
        { ["line1\nline2", "tab\there", "trailing\n"] },
        { ["", " ", "  two  spaces  "] },
        { ["*", "?", "[a-z]", "~", "~root", "#comment", "a=b", "!", "{a,b}", "$HOME", "${PATH}", "$((1+1))"] },
        { ["a|b", "a&b", "a>b", "a<b", "(x)", "x;y", "é ü 😀"] },
    };

    [Fact]
    public void Quote_PlainWords_StayReadable()
    {
        Assert.Equal("tgtadm -C 12 --lld iscsi --initiator-name iqn.2026-01.test:host-a",
            ShellQuote.Join(["tgtadm", "-C", "12", "--lld", "iscsi", "--initiator-name", "iqn.2026-01.test:host-a"]));
    }

    [Theory]
    [InlineData("", "''")]
    [InlineData("a b", "'a b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("a=b", "'a=b'")]
    [InlineData("~", "'~'")]
    public void Quote_SpecialWords_AreSingleQuoted(string input, string expected) => Assert.Equal(expected, ShellQuote.Quote(input));

    [Fact]
    public void Quote_Nul_IsRejected() => Assert.Throws<ArgumentException>(() => ShellQuote.Quote("a\0b"));

    [Fact]
    public void Join_EmptyVector_IsRejected() => Assert.Throws<ArgumentException>(() => ShellQuote.Join([]));

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Join_HostileArguments_ReachTheProgramByteForByte_InShAndBash(string[] args)
    {
        foreach (var shell in new[] { "sh", "bash" })
        {
            Assert.Equal(args, await EchoThroughAsync(shell, args));
        }
    }

    [Fact]
    public async Task Join_RandomVectors_RoundTripExactly()
    {
        // Property: for any vector of strings without NUL, sh -c Join(printf '%s\0' args) prints args.
        const string alphabet = "ab Z09'\"\\$`;&|<>(){}[]*?~#=!%^,.:/-_\n\t\r é😀";
        var random = new Random(20260127);
        for (int i = 0; i < 60; i++)
        {
            var args = new string[random.Next(1, 6)];
            for (int j = 0; j < args.Length; j++)
            {
                var sb = new StringBuilder();
                int len = random.Next(0, 12);
                while (sb.Length < len)
                {
                    char c = alphabet[random.Next(alphabet.Length)];
                    sb.Append(char.IsSurrogate(c) ? "😀" : c.ToString());
                }

                args[j] = sb.ToString();
            }

            string[] seen = await EchoThroughAsync(i % 2 == 0 ? "sh" : "bash", args);
            Assert.True(args.SequenceEqual(seen), $"seed vector {i}: [{string.Join("|", args)}] came back as [{string.Join("|", seen)}]");
        }
    }

    private static async Task<string[]> EchoThroughAsync(string shell, string[] args)
    {
        string line = ShellQuote.Join(["printf", "%s\\0", .. args]);
        var (code, stdout, stderr) = await ProcessRunner.RunAsync(shell, ["-c", line]);
        Assert.True(code == 0, $"{shell} -c {line} exited {code}: {stderr}");
        return stdout.Split('\0')[..^1];
    }
}
