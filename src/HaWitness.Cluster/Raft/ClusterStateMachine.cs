using System.Buffers;
using System.Text.Json;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using HaWitness.Cluster.State;

namespace HaWitness.Cluster.Raft;

/// <summary>
/// Applies committed log entries to the <see cref="ClusterState"/>. Takes a snapshot every
/// <see cref="SnapshotEvery"/> entries so that a restart replays only the tail of the log.
/// </summary>
internal sealed partial class ClusterStateMachine(DirectoryInfo location, ClusterState state, ILogger logger) : SimpleStateMachine(location)
{
    public const int SnapshotEvery = 1000;

    public ClusterState State => state;

    protected override async ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (entry.Length is 0 || entry.IsConfiguration)
        {
            state.Skip(entry.Index);
            return false;
        }

        byte[] payload = entry.TryGetPayload(out ReadOnlySequence<byte> seq)
            ? seq.ToArray()
            : await entry.ToByteArrayAsync(token: token).ConfigureAwait(false);
        ClusterCommand command;
        try
        {
            command = ClusterState.Decode(payload);
        }
        catch (JsonException ex)
        {
            // Every member meets the same bytes, so skipping keeps them identical; say so loudly.
            LogUndecodable(logger, entry.Index, ex.Message);
            state.Skip(entry.Index);
            return false;
        }

        var result = state.Apply(entry.Index, command);
        if (entry.Context is Proposal proposal)
        {
            proposal.Complete(entry.Index, result);
        }

        if (!result.Applied)
        {
            LogRejected(logger, entry.Index, command.Describe(), result.Reason ?? string.Empty);
        }

        return entry.Index % SnapshotEvery == 0;
    }

    protected override async ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(state.ToSnapshot(), ClusterJson.Default.ClusterSnapshot);
        await writer.WriteAsync(json, token: token).ConfigureAwait(false);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        byte[] json = await File.ReadAllBytesAsync(snapshotFile.FullName, token).ConfigureAwait(false);
        var snapshot = JsonSerializer.Deserialize(json, ClusterJson.Default.ClusterSnapshot)
            ?? throw new InvalidDataException($"snapshot {snapshotFile.FullName} is empty");
        state.Restore(snapshot);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Log entry {Index} is not a command this version knows ({Reason}); skipped")]
    private static partial void LogUndecodable(ILogger logger, long index, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Log entry {Index} ({Command}) rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, long index, string command, string reason);
}

/// <summary>Carries the result of a proposal from the state machine back to the proposer (leader only; not persisted).</summary>
internal sealed class Proposal
{
    private readonly TaskCompletionSource<Commit> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Commit> Done => _done.Task;

    public void Complete(long index, ApplyResult result) => _done.TrySetResult(new Commit(index, result));
}
