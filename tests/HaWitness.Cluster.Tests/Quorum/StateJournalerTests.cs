using HaWitness.Cluster.Quorum;
using HaWitness.Cluster.State;
using HaWitness.Core.Journal;
using HaWitness.TestSupport;

namespace HaWitness.Cluster.Tests.Quorum;

/// <summary>The committed state mirrored into a real SQLite journal, one transaction per applied entry.</summary>
public sealed class StateJournalerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AssignVmsOfAThousandVms_WritesEveryRowAndEveryStateChange_WithTheEntrysReason()
    {
        using var journal = JournalStore.Open(_dir.File("journal.db"));
        var state = new ClusterState();
        var journaler = new StateJournaler(journal, state);
        state.Applied += journaler.OnApplied;
        state.Apply(1, new RegisterHost("a", "127.0.0.1:7001", "127.0.0.1:7101", "iqn.2026-11.lab:a", "sim", 4096, 1 << 24, "g1", "id-a", 3000));
        state.Apply(2, new RegisterHost("b", "127.0.0.1:7002", "127.0.0.1:7102", "iqn.2026-11.lab:b", "sim", 4096, 1 << 24, "g1", "id-b", 3000));
        for (int i = 0; i < 1000; i++)
        {
            state.Apply(3 + i, new AddVm($"vm{i:D4}", "a", true, true, VmPriority.Medium, 1, 256, null));
        }

        var applied = state.Apply(2000, new AssignVms([.. Enumerable.Range(0, 1000).Select(i => new VmPlacement($"vm{i:D4}", "b", true))], "failover of a"));

        Assert.True(applied.Applied);
        var rows = journal.Vms();
        Assert.Equal(1000, rows.Count);
        Assert.All(rows, v => Assert.Equal(("b", 2000L), (v.Host, v.Epoch)));
        var moved = journal.Events(limit: 5000).Where(e => e.Kind == "VmStateChanged" && e.Message.Contains("log index 2000", StringComparison.Ordinal)).ToList();
        Assert.Equal(1000, moved.Count);
        Assert.All(moved, e => Assert.Equal("running@b", e.NewState));

        // Applying the same entry again (a replay at start) writes nothing new.
        long events = journal.Events(limit: 10_000).Count;
        journaler.OnApplied(2000, new AssignVms([new VmPlacement("vm0000", "b", true)], "replay"), ApplyResult.Ok);
        Assert.Equal(events, journal.Events(limit: 10_000).Count);
    }
}
