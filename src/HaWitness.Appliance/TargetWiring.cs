using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Fencing;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets;

namespace HaWitness.Appliance;

/// <summary>Builds the SSH connection, target driver and storage fencer from the <c>Target</c> section (CLI and serve alike).</summary>
internal static class TargetWiring
{
    public static (SshRemoteShell Shell, ITargetDriver Driver) Connect(ApplianceOptions options)
    {
        var target = options.Target;
        SshDestination.TryParse(target.Ssh, out var destination, out _);
        string data = Path.GetFullPath(options.DataDirectory);
        var settings = new SshSettings(
            destination!,
            target.SshKey ?? Path.Combine(data, "ssh", "id_ed25519"),
            target.KnownHosts ?? Path.Combine(data, "ssh", "known_hosts"),
            TimeSpan.FromMilliseconds(target.ConnectTimeoutMs),
            TimeSpan.FromMilliseconds(target.CommandTimeoutMs));
        var shell = new SshRemoteShell(settings);
        return (shell, TargetDrivers.Create(target, shell));
    }

    public static StorageFencer Fencer(ApplianceOptions options, ITargetDriver driver, JournalStore journal, TimeProvider time, ILogger? logger) =>
        new(driver, journal, new FencePolicy(options.Target.FenceAttempts, TimeSpan.FromMilliseconds(options.Target.FenceRetryDelayMs)), time, logger);
}
