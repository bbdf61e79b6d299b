using Microsoft.Extensions.Logging;

namespace HaWitness.Fencing.Targets.Lio;

/// <summary>
/// LIO with <c>LioMode = auto</c>: asks the host once whether <c>targetcli</c> is installed, then
/// drives it with targetcli (which can save) or with raw configfs.
/// </summary>
internal sealed class LioAutoDriver(CommandRunner run, TimeProvider time, ILogger logger) : ITargetDriver
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ITargetDriver? _resolved;

    public string Kind => _resolved?.Kind ?? "lio";

    public string Destination => run.Destination;

    public async Task<TargetInventory> ListAsync(CancellationToken cancellationToken) =>
        await (await ResolveAsync(cancellationToken).ConfigureAwait(false)).ListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<DriverReport> GrantAsync(string initiator, CancellationToken cancellationToken) =>
        await (await ResolveAsync(cancellationToken).ConfigureAwait(false)).GrantAsync(initiator, cancellationToken).ConfigureAwait(false);

    public async Task<DriverReport> FenceAsync(string initiator, CancellationToken cancellationToken) =>
        await (await ResolveAsync(cancellationToken).ConfigureAwait(false)).FenceAsync(initiator, cancellationToken).ConfigureAwait(false);

    private async Task<ITargetDriver> ResolveAsync(CancellationToken cancellationToken)
    {
        if (_resolved is { } done)
        {
            return done;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resolved is null)
            {
                var probe = await run.RunAsync(["sh", "-c", "command -v targetcli"], null, cancellationToken, _ => "targetcli not installed").ConfigureAwait(false);
                _resolved = probe.ExitCode == 0
                    ? new LioTargetcliDriver(run, time, logger)
                    : new LioConfigfsDriver(run, time, logger);
            }

            return _resolved;
        }
        finally
        {
            _gate.Release();
        }
    }
}
