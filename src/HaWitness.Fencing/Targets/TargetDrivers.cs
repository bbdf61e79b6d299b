using HaWitness.Core.Configuration;
using HaWitness.Fencing.Ssh;
using HaWitness.Fencing.Targets.Lio;
using HaWitness.Fencing.Targets.Tgt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Fencing.Targets;

/// <summary>Builds the driver the configuration names.</summary>
public static class TargetDrivers
{
    /// <summary>
    /// A driver for <paramref name="options"/>' <c>Driver</c> (<c>tgt</c> or <c>lio</c>) that runs its
    /// commands through <paramref name="shell"/>. The options must have been validated.
    /// </summary>
    public static ITargetDriver Create(TargetOptions options, IRemoteShell shell, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shell);
        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        var run = new CommandRunner(shell, options.Sudo);
        return options.Driver.ToLowerInvariant() switch
        {
            "tgt" => new TgtDriver(shell, new TgtSettings(options.TgtControlPort, options.TgtConfDirectory, options.Sudo), time, logger),
            "lio" => options.LioMode.ToLowerInvariant() switch
            {
                "targetcli" => new LioTargetcliDriver(run, time, logger),
                "configfs" => new LioConfigfsDriver(run, time, logger),
                _ => new LioAutoDriver(run, time, logger),
            },
            _ => throw new ArgumentException($"unknown target driver '{options.Driver}' (tgt | lio)", nameof(options)),
        };
    }
}
