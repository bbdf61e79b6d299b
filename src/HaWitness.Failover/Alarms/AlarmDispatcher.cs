using System.Text.Json.Nodes;
using System.Threading.Channels;
using HaWitness.Core.Journal;
using HaWitness.Failover.Journal;
using Microsoft.Extensions.Logging;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Alarms;

/// <summary>
/// Delivers alarms in the background: every channel (webhook, command) gets each alarm, retried
/// with a doubling pause up to <see cref="AlarmOptions.Tries"/> times; every try is journaled as an
/// <c>AlarmDelivery</c> decision. <see cref="Raise"/> never blocks the engine.
/// </summary>
internal sealed partial class AlarmDispatcher(
    IReadOnlyList<IAlarmChannel> channels,
    IDecisionJournal journal,
    TimeProvider time,
    AlarmOptions options,
    string node,
    ILogger<AlarmDispatcher> logger) : IAlarmSink
{
    private readonly Channel<Alarm> _queue = Channel.CreateBounded<Alarm>(new BoundedChannelOptions(1000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public void Raise(Alarm alarm)
    {
        if (channels.Count > 0)
        {
            _queue.Writer.TryWrite(alarm);
        }
    }

    /// <summary>Delivers until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var alarm in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var channel in channels)
                {
                    await DeliverAsync(channel, alarm, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    /// <summary>Delivers one alarm on one channel with retries; true when delivered.</summary>
    public async Task<bool> DeliverAsync(IAlarmChannel channel, Alarm alarm, CancellationToken cancellationToken)
    {
        var payload = new AlarmPayload(alarm.Kind.ToString(), alarm.Subject, alarm.Summary, alarm.Time, node);
        for (int attempt = 1; attempt <= options.Tries; attempt++)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromMilliseconds(options.TimeoutMs));
            string? error = await channel.DeliverAsync(payload, cts.Token).ConfigureAwait(false);
            var evidence = new JsonObject
            {
                ["alarm"] = payload.Kind,
                ["subject"] = payload.Subject,
                ["channel"] = channel.Name,
                ["try"] = attempt,
                ["tries"] = options.Tries,
                ["error"] = error,
                ["summary"] = error is null
                    ? $"{payload.Kind} alarm about {payload.Subject} delivered by {channel.Name} (try {attempt})"
                    : $"{payload.Kind} alarm about {payload.Subject} not delivered by {channel.Name} (try {attempt} of {options.Tries}): {error}",
            };
            try
            {
                journal.Append(new NewDecision(DecisionKinds.AlarmDelivery, Subjects.Cluster, error is null ? Outcome.Succeeded : Outcome.Failed, evidence));
            }
            catch (JournalWriteException)
            {
                // The delivery already happened; the alarm about a full journal must not stop
                // the dispatcher. The journal logged its failure.
            }

            if (error is null)
            {
                LogDelivered(logger, payload.Kind, payload.Subject, channel.Name, attempt);
                return true;
            }

            LogNotDelivered(logger, payload.Kind, channel.Name, attempt, error);
            if (attempt < options.Tries)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(options.RetryDelayMs * Math.Pow(2, attempt - 1)), time, cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    /// <summary>The channels <paramref name="options"/> configures.</summary>
    public static List<IAlarmChannel> Channels(AlarmOptions options, HttpClient http)
    {
        var list = new List<IAlarmChannel>();
        if (options.WebhookUrl is { Length: > 0 } url)
        {
            list.Add(new WebhookChannel(http, new Uri(url)));
        }

        if (options.Command.Count > 0)
        {
            list.Add(new CommandChannel([.. options.Command], TimeSpan.FromMilliseconds(options.TimeoutMs)));
        }

        return list;
    }

    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Alarm {Kind} about {Subject} delivered by {Channel} (try {Try})")]
    private static partial void LogDelivered(ILogger logger, string kind, string subject, string channel, int @try);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Alarm {Kind} not delivered by {Channel} (try {Try}): {Error}")]
    private static partial void LogNotDelivered(ILogger logger, string kind, string channel, int @try, string error);
}
