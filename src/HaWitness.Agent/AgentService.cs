using HaWitness.Agent.Runtime;

namespace HaWitness.Agent;

/// <summary>Runs the agent runtime inside the generic host; a fatal start error stops the process with exit code 1.</summary>
internal sealed partial class AgentService(AgentRuntime runtime, IHostApplicationLifetime lifetime, ILogger<AgentService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await runtime.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (AgentStartException ex)
        {
            LogFatal(logger, ex.Message);
            await Console.Error.WriteLineAsync("hawitness-agent: " + ex.Message).ConfigureAwait(false);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await runtime.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 202, Level = LogLevel.Critical, Message = "Agent cannot run: {Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);
}
