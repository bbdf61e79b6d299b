using System.Text.Json;

namespace HaWitness.Cluster.State;

/// <summary>
/// The desired state every member holds, built by applying the committed log in order. Applying
/// is serialised; readers take an immutable <see cref="ClusterView"/>. Re-applying an index at or
/// below the last applied one is ignored, so a replay after restart is harmless.
/// </summary>
public sealed class ClusterState
{
    private readonly Lock _lock = new();
    private MutableState _state = new();
    private ClusterView? _view = ClusterView.Empty;
    private long _index;

    /// <summary>Raised after each applied (or rejected) entry, outside the lock.</summary>
    public event Action<long, ClusterCommand, ApplyResult>? Applied;

    /// <summary>The last applied log index.</summary>
    public long LastIndex => Volatile.Read(ref _index);

    /// <summary>
    /// The current committed state. Built lazily: applying many entries in a row (replay, a
    /// failover that assigns thousands of VMs) copies the state once, when somebody looks.
    /// </summary>
    public ClusterView View
    {
        get
        {
            var v = Volatile.Read(ref _view);
            if (v is not null)
            {
                return v;
            }

            lock (_lock)
            {
                return _view ??= Freeze(_index);
            }
        }
    }

    /// <summary>One host as committed now, without copying the state.</summary>
    public HostEntry? Host(string name)
    {
        lock (_lock)
        {
            return _state.Hosts.GetValueOrDefault(name);
        }
    }

    /// <summary>One VM as committed now, without copying the state.</summary>
    public VmEntry? Vm(string name)
    {
        lock (_lock)
        {
            return _state.Vms.GetValueOrDefault(name);
        }
    }

    /// <summary>Applies a committed command at <paramref name="index"/>.</summary>
    public ApplyResult Apply(long index, ClusterCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ApplyResult result;
        lock (_lock)
        {
            if (index <= _index)
            {
                return ApplyResult.Reject($"index {index} already applied");
            }

            result = command.Apply(_state, index);
            Volatile.Write(ref _index, index);
            Volatile.Write(ref _view, null);
        }

        Applied?.Invoke(index, command, result);
        return result;
    }

    /// <summary>Advances the index for an entry that carries no command (membership changes).</summary>
    public void Skip(long index)
    {
        lock (_lock)
        {
            if (index > _index)
            {
                Volatile.Write(ref _index, index);
                Volatile.Write(ref _view, null);
            }
        }
    }

    /// <summary>The state as a snapshot.</summary>
    public ClusterSnapshot ToSnapshot()
    {
        var v = View;
        return new ClusterSnapshot(v.Index, [.. v.Hosts.Values], [.. v.Vms.Values], [.. v.RevokedIdentities], [.. v.Rules.Values]);
    }

    /// <summary>Replaces the state with a snapshot (Raft restore / install).</summary>
    public void Restore(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_lock)
        {
            var s = new MutableState();
            foreach (var h in snapshot.Hosts)
            {
                s.Hosts[h.Name] = h;
            }

            foreach (var vm in snapshot.Vms)
            {
                s.Vms[vm.Name] = vm;
            }

            s.RevokedIdentities.UnionWith(snapshot.RevokedIdentities);
            foreach (var rule in snapshot.Rules ?? [])
            {
                s.Rules[rule.Name] = rule;
            }

            _state = s;
            Volatile.Write(ref _index, snapshot.Index);
            Volatile.Write(ref _view, null);
        }
    }

    /// <summary>Serialises a command as a log entry payload.</summary>
    public static byte[] Encode(ClusterCommand command) =>
        JsonSerializer.SerializeToUtf8Bytes(command, ClusterJson.Default.ClusterCommand);

    /// <summary>Reads a log entry payload.</summary>
    /// <exception cref="JsonException">The payload is not a known command.</exception>
    public static ClusterCommand Decode(ReadOnlySpan<byte> payload) =>
        JsonSerializer.Deserialize(payload, ClusterJson.Default.ClusterCommand)
        ?? throw new JsonException("null command");

    private ClusterView Freeze(long index) => new(
        index,
        new Dictionary<string, HostEntry>(_state.Hosts, StringComparer.Ordinal),
        new Dictionary<string, VmEntry>(_state.Vms, StringComparer.Ordinal),
        new HashSet<string>(_state.RevokedIdentities, StringComparer.Ordinal))
    {
        Rules = new Dictionary<string, PlacementRule>(_state.Rules, StringComparer.Ordinal),
    };
}
