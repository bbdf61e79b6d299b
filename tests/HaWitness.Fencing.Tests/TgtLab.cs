using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets;
using HaWitness.TestSupport;

namespace HaWitness.Fencing.Tests;

/// <summary>A real tgtd and a real sshd on loopback, and the driver that reaches the one through the other.</summary>
internal sealed class TgtLab : IAsyncDisposable
{
    public const string HostA = "iqn.2026-01.test:hosta";
    public const string HostB = "iqn.2026-01.test:hostb";

    private TgtLab(TgtdFixture tgtd, SshdFixture sshd, TempDir dir)
    {
        Tgtd = tgtd;
        Sshd = sshd;
        Dir = dir;
        ConfDirectory = dir.File("conf.d");
        Directory.CreateDirectory(ConfDirectory);
    }

    public TgtdFixture Tgtd { get; }

    public SshdFixture Sshd { get; }

    public TempDir Dir { get; }

    public string ConfDirectory { get; }

    /// <summary>Starts both; <paramref name="login"/> picks the shell every remote command starts in.</summary>
    public static async Task<TgtLab> StartAsync(SshdLogin login = SshdLogin.CurrentUser)
    {
        var tgtd = await TgtdFixture.StartAsync();
        try
        {
            return new TgtLab(tgtd, await SshdFixture.StartAsync(login), new TempDir("hawitness-fencelab"));
        }
        catch
        {
            await tgtd.DisposeAsync();
            throw;
        }
    }

    public static string TargetName(int tid) => $"iqn.2026-01.test.lab:t{tid}";

    public TargetOptions Options(string? confDirectory = null) => new()
    {
        Driver = "tgt",
        Ssh = Sshd.Destination,
        TgtControlPort = Tgtd.ControlPort,
        TgtConfDirectory = confDirectory ?? ConfDirectory,
    };

    public SshRemoteShell Shell(int? port = null) => new(new SshSettings(
        new SshDestination(Sshd.User, "127.0.0.1", port ?? Sshd.Port),
        Sshd.ClientKey,
        Dir.File("known_hosts"),
        TimeSpan.FromSeconds(5),
        TimeSpan.FromSeconds(10)));

    public ITargetDriver Driver(IRemoteShell shell, string? confDirectory = null) =>
        TargetDrivers.Create(Options(confDirectory), shell);

    public JournalStore Journal() => JournalStore.Open(Dir.File("journal.db"));

    public async ValueTask DisposeAsync()
    {
        await Tgtd.DisposeAsync();
        await Sshd.DisposeAsync();
        Dir.Dispose();
    }
}
