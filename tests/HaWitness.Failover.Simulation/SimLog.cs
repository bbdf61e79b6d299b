using System.Text.Json;
using HaWitness.Cluster;
using HaWitness.Cluster.State;

namespace HaWitness.Failover.Simulation;

/// <summary>
/// The replicated log as the leader sees it: one leader (the appliance), a committed list of
/// entries that survives appliance restarts (a majority holds it), and the appliance's applied
/// <see cref="ClusterState"/>, rebuilt by replaying the log after a restart. A proposal commits
/// only while the appliance reaches a majority of voters; the schedule can crash the appliance in
/// the middle of a proposal, which then is committed or lost at random, and unacknowledged.
/// </summary>
internal sealed class SimLog(World world) : ICommandLog
{
    private readonly List<ClusterCommand> _entries = [];
    private ClusterState _state = new();
    private long _acknowledged;

    public ClusterView View => _state.View;

    public IReadOnlyList<ClusterCommand> Entries => _entries;

    /// <summary>Probability that the appliance crashes in the middle of a proposal.</summary>
    public double CrashInPropose { get; set; }

    /// <summary>Crash the appliance at exactly this proposal of the engine (1-based; 0 = never), committing it or not.</summary>
    public (int At, bool Commit) CrashAtProposal { get; set; }

    /// <summary>Proposals the engine (or an operator) made so far.</summary>
    public int Proposals { get; private set; }

    public Task<Commit> ProposeAsync(ClusterCommand command, CancellationToken cancellationToken)
    {
        if (!world.ApplianceUp)
        {
            return Task.FromException<Commit>(new NotLeaderException("the appliance is down"));
        }

        if (!world.ApplianceReachesMajority())
        {
            return Task.FromException<Commit>(new NotLeaderException("no majority of voters reachable: cannot commit"));
        }

        Proposals++;
        if (CrashAtProposal.At == Proposals)
        {
            if (CrashAtProposal.Commit)
            {
                Append(command);
            }

            world.CrashAppliance($"crash at proposal {Proposals}: {command.Describe()}", TimeSpan.FromSeconds(2));
            return Task.FromException<Commit>(new ApplianceCrashedException());
        }

        if (CrashInPropose > 0 && world.Random.NextDouble() < CrashInPropose)
        {
            if (world.Random.Next(2) == 0)
            {
                Append(command); // committed by the majority, but the appliance died before it heard
            }

            world.CrashAppliance($"crash in the middle of proposing: {command.Describe()}", TimeSpan.FromMilliseconds(world.Random.Next(500, 8000)));
            return Task.FromException<Commit>(new ApplianceCrashedException());
        }

        var result = Append(command);
        _acknowledged = _entries.Count;
        return Task.FromResult(new Commit(_entries.Count, result));
    }

    /// <summary>Appends outside the engine (registration, operator setup), as the leader would.</summary>
    public Commit Append(ClusterCommand command, bool acknowledged)
    {
        var result = Append(command);
        if (acknowledged)
        {
            _acknowledged = _entries.Count;
        }

        return new Commit(_entries.Count, result);
    }

    /// <summary>
    /// An appliance restart: the applied state is rebuilt from the committed log. Returns a
    /// durability violation when a decision acknowledged before the crash is gone or the rebuilt
    /// state differs from the one before the crash.
    /// </summary>
    public string? Rebuild()
    {
        string before = JsonSerializer.Serialize(_state.ToSnapshot(), ClusterJson.Default.ClusterSnapshot);
        long beforeIndex = _state.LastIndex;
        var state = new ClusterState();
        for (int i = 0; i < _entries.Count; i++)
        {
            // Entries go through their wire form, as they would from disk.
            state.Apply(i + 1, ClusterState.Decode(ClusterState.Encode(_entries[i])));
        }

        _state = state;
        if (_entries.Count < _acknowledged)
        {
            return $"durability: {_acknowledged} entries were acknowledged, {_entries.Count} survived the restart";
        }

        if (beforeIndex == _entries.Count)
        {
            string after = JsonSerializer.Serialize(_state.ToSnapshot(), ClusterJson.Default.ClusterSnapshot);
            if (after != before)
            {
                return "durability: the state rebuilt from the log differs from the state before the restart";
            }
        }

        return null;
    }

    /// <summary>An agent's replica catches up: entries after <paramref name="applied"/>.</summary>
    public void CatchUp(ClusterState replica)
    {
        for (long i = replica.LastIndex; i < _entries.Count; i++)
        {
            replica.Apply(i + 1, _entries[(int)i]);
        }
    }

    private ApplyResult Append(ClusterCommand command)
    {
        _entries.Add(command);
        var result = _state.Apply(_entries.Count, command);
        world.OnCommitted(_entries.Count, command, result);
        return result;
    }
}

/// <summary>Thrown into the engine when the simulated appliance dies under it.</summary>
internal sealed class ApplianceCrashedException : Exception
{
    public ApplianceCrashedException() : base("the appliance crashed")
    {
    }

    public ApplianceCrashedException(string message) : base(message)
    {
    }

    public ApplianceCrashedException(string message, Exception inner) : base(message, inner)
    {
    }
}
