using System.CommandLine;
using System.Globalization;
using HaWitness.Appliance.Cli.Operator;
using HaWitness.Core.Backup;
using HaWitness.Core.Configuration;
using HaWitness.Core.Storage;
using HaWitness.Hosting;
using HaWitness.Operator.Client;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>hawitness backup FILE</c> and <c>hawitness restore FILE</c> (docs/backup.md). A backup
/// works either way: with the appliance stopped it reads the data directory under its lock; while
/// the appliance runs (the directory is locked) the appliance itself writes a consistent archive
/// (<c>POST /api/v1/backup</c>, admin password as for every operator command). A restore needs the
/// appliance stopped.
/// </summary>
internal static class BackupCommand
{
    public static Command Backup()
    {
        var file = new Argument<string>("FILE") { Description = "Archive to write (a tar; written to FILE.tmp, then renamed; mode 0600)" };
        var data = CommonOptions.Data();
        var client = new ClientOptions();
        var command = new Command("backup",
            "Back up the appliance's state (journal, Raft log and membership, cluster CA, keys, secrets) to FILE, while it runs or while it is stopped") { file, data };
        command.Options.Add(client.Url);
        command.Options.Add(client.PasswordFile);
        command.Options.Add(client.CaCert);
        command.SetAction(async (parse, ct) =>
        {
            string target = parse.GetValue(file)!;
            string dir = Path.GetFullPath(DataDirectoryOf(parse.GetValue(data)));
            if (!Directory.Exists(dir))
            {
                await Console.Error.WriteLineAsync($"hawitness: no data directory at {dir} (give it with --data)").ConfigureAwait(false);
                return CliExit.Usage;
            }

            try
            {
                DataDirectory? held = null;
                try
                {
                    held = DataDirectory.Acquire(dir);
                }
                catch (DataDirectoryException ex) when (ex.InUse)
                {
                    return await LiveAsync(parse, client, target, ct).ConfigureAwait(false);
                }

                using (held)
                {
                    var manifest = await BackupFile.WriteAsync(target,
                        output => BackupWriter.WriteAsync(held.Path, output, null, TimeProvider.System, ct),
                        tmp => BackupArchive.VerifyAsync(tmp, ct)).ConfigureAwait(false);
                    Written(target, manifest, $"taken offline from {held.Path}");
                    return CliExit.Ok;
                }
            }
            catch (Exception ex) when (ex is BackupException or DataDirectoryException)
            {
                await Console.Error.WriteLineAsync("hawitness: " + ex.Message).ConfigureAwait(false);
                return CliExit.Failed;
            }
        });
        return command;
    }

    public static Command Restore()
    {
        var file = new Argument<string>("FILE") { Description = "Archive written by 'hawitness backup'" };
        var data = CommonOptions.Data();
        var force = new Option<bool>("--force") { Description = "Restore even if the data directory is not empty: it is moved aside to DIR.before-restore-TIME (never deleted)" };
        var command = new Command("restore",
            "Restore the appliance's state from FILE into the data directory (the appliance must be stopped); the archive is checked in full before anything is written") { file, data, force };
        command.SetAction(async (parse, ct) =>
        {
            string source = parse.GetValue(file)!;
            string dir = DataDirectoryOf(parse.GetValue(data));
            try
            {
                var result = await BackupRestore.RunAsync(source, dir, parse.GetValue(force), TimeProvider.System, ct).ConfigureAwait(false);
                var m = result.Manifest;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"restored {Path.GetFullPath(dir)} from {source}: {m.Parts.Count} files, taken {m.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC ({m.Source}{(m.RaftPosition is null ? string.Empty : "; Raft " + m.RaftPosition)})"));
                if (result.MovedAside is not null)
                {
                    Console.WriteLine($"the directory that was there is kept in {result.MovedAside}");
                }

                Console.WriteLine("start the appliance, then check that it leads and every host is back: hawitness status (docs/backup.md)");
                Console.WriteLine("if the cluster changed after this backup (a join, a failover, a maintenance or VM setting), the hosts' Raft logs are ahead of it and will not elect the restored appliance: docs/backup.md says what to do");
                return CliExit.Ok;
            }
            catch (BackupException ex)
            {
                await Console.Error.WriteLineAsync("hawitness: " + ex.Message).ConfigureAwait(false);
                return CliExit.Failed;
            }
        });
        return command;
    }

    private static async Task<int> LiveAsync(ParseResult parse, ClientOptions options, string target, CancellationToken cancellationToken)
    {
        var (client, error) = options.Connect(parse);
        if (client is null)
        {
            await Console.Error.WriteLineAsync("hawitness: " + error).ConfigureAwait(false);
            return CliExit.Usage;
        }

        using (client)
        {
            ApiAnswer? failed = null;
            try
            {
                var manifest = await BackupFile.WriteAsync(target, async output =>
                {
                    var answer = await client.DownloadAsync("/api/v1/backup", output, cancellationToken).ConfigureAwait(false);
                    if (!answer.Ok)
                    {
                        failed = answer;
                        throw new BackupException(answer.Message);
                    }
                }, tmp => BackupArchive.VerifyAsync(tmp, cancellationToken)).ConfigureAwait(false);
                Written(target, manifest, "taken by the running appliance" + (manifest.RaftPosition is null ? string.Empty : $" at Raft {manifest.RaftPosition}"));
                return CliExit.Ok;
            }
            catch (BackupException ex)
            {
                if (failed is not null)
                {
                    return ApiCall.Failure(failed) ?? CliExit.Failed;
                }

                await Console.Error.WriteLineAsync("hawitness: " + ex.Message).ConfigureAwait(false);
                return CliExit.Failed;
            }
        }
    }

    private static void Written(string target, BackupManifest manifest, string how)
    {
        long bytes = new FileInfo(target).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"backup written: {Path.GetFullPath(target)} ({manifest.Parts.Count} files, {bytes} bytes; {how})"));
        Console.WriteLine("it holds the cluster CA's key and every secret of the appliance: keep it where only you can read it");
    }

    /// <summary>--data, else the appliance configuration's DataDirectory (/etc/hawitness/appliance.json, HAWITNESS_* variables), else ./var/hawitness.</summary>
    private static string DataDirectoryOf(string? given)
    {
        if (given is not null)
        {
            return given;
        }

        try
        {
            return ApplianceConfiguration.Load(null, []).DataDirectory;
        }
        catch (ConfigurationException)
        {
            return new ApplianceOptions().DataDirectory;
        }
    }
}
