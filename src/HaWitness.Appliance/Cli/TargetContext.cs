using System.CommandLine;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;
using HaWitness.Fencing;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets;
using HaWitness.Hosting;

namespace HaWitness.Appliance.Cli;

/// <summary>The options every <c>hawitness target</c> command shares, and what they resolve to.</summary>
internal sealed class TargetContext : IAsyncDisposable
{
    private DataDirectory? _dataDir;

    private TargetContext(ApplianceOptions options, SshRemoteShell shell, ITargetDriver driver)
    {
        Options = options;
        Shell = shell;
        Driver = driver;
    }

    public ApplianceOptions Options { get; }

    public SshRemoteShell Shell { get; }

    public ITargetDriver Driver { get; }

    public JournalStore? Journal { get; private set; }

    internal sealed class Flags
    {
        public Option<string?> Config { get; } = CommonOptions.Config();

        public Option<string?> Data { get; } = CommonOptions.Data();

        public Option<string?> Driver { get; } = new("--driver") { Description = "Target implementation: tgt | lio (default: Target:Driver, tgt)", HelpName = "tgt|lio" };

        public Option<string?> Ssh { get; } = new("--ssh") { Description = "Where the target runs (default: Target:Ssh, root@127.0.0.1:22)", HelpName = "USER@HOST[:PORT]" };

        public Option<string?> SshKey { get; } = new("--ssh-key") { Description = "The appliance's private key (default: Target:SshKey, else DATA/ssh/id_ed25519)", HelpName = "FILE" };

        public Option<string?> KnownHosts { get; } = new("--known-hosts") { Description = "Pinned host keys; the host's key is pinned on first use (default: Target:KnownHosts, else DATA/ssh/known_hosts)", HelpName = "FILE" };

        public void AddTo(Command command)
        {
            command.Options.Add(Driver);
            command.Options.Add(Ssh);
            command.Options.Add(SshKey);
            command.Options.Add(KnownHosts);
            command.Options.Add(Config);
            command.Options.Add(Data);
        }
    }

    /// <summary>Resolves configuration and options; null (with one line printed) on a bad value.</summary>
    public static TargetContext? Create(ParseResult parse, Flags flags)
    {
        ApplianceOptions options;
        try
        {
            options = ApplianceConfiguration.Load(parse.GetValue(flags.Config), CommonOptions.Overrides(
                (nameof(ApplianceOptions.DataDirectory), parse.GetValue(flags.Data)),
                ("Target:Driver", parse.GetValue(flags.Driver)),
                ("Target:Ssh", parse.GetValue(flags.Ssh)),
                ("Target:SshKey", parse.GetValue(flags.SshKey)),
                ("Target:KnownHosts", parse.GetValue(flags.KnownHosts))));
        }
        catch (ConfigurationException ex)
        {
            Console.Error.WriteLine("hawitness: " + ex.Message);
            return null;
        }

        var (shell, driver) = TargetWiring.Connect(options);
        return new TargetContext(options, shell, driver);
    }

    /// <summary>Opens the journal in the data directory; false (one line printed) when it cannot.</summary>
    public bool OpenJournal()
    {
        try
        {
            try
            {
                _dataDir = DataDirectory.Acquire(Options.DataDirectory);
                Journal = JournalStore.Open(_dataDir.File(JournalStore.FileName));
            }
            catch (DataDirectoryException ex) when (ex.Message.Contains("in use by another HaWitness process", StringComparison.Ordinal))
            {
                // The appliance is running on this directory: journal beside it. SQLite serialises
                // the two writers; the lock only keeps two appliances from sharing a directory.
                Journal = JournalStore.Open(Path.Combine(Path.GetFullPath(Options.DataDirectory), JournalStore.FileName));
            }

            return true;
        }
        catch (Exception ex) when (ex is DataDirectoryException or JournalOpenException)
        {
            Console.Error.WriteLine("hawitness: " + ex.Message);
            return false;
        }
    }

    public StorageFencer Fencer() => TargetWiring.Fencer(Options, Driver, Journal!, TimeProvider.System, null);

    public async ValueTask DisposeAsync()
    {
        await Shell.DisposeAsync().ConfigureAwait(false);
        Journal?.Dispose();
        _dataDir?.Dispose();
    }

    /// <summary>Checks an <c>--initiator</c> value; prints why not and returns false when invalid.</summary>
    public static bool CheckInitiator(string? initiator)
    {
        if (IscsiName.Check(initiator) is { } bad)
        {
            Console.Error.WriteLine($"hawitness: --initiator '{IscsiName.Printable(initiator)}' refused: {bad}");
            return false;
        }

        return true;
    }

    public static int Fail(TargetException ex)
    {
        Console.Error.WriteLine($"hawitness: {ex.Error.Kind}: {ex.Error.Message}");
        return ex.Error.Kind == TargetErrorKind.InvalidInput ? CliExit.Usage : CliExit.Failed;
    }
}
