namespace HaWitness.Cluster.State;

/// <summary>
/// A host (re-)registers: a new one is added as an active voter; a known one (same identity) gets
/// its new generation and facts. A failed or fenced host stays so until <see cref="ReadmitHost"/>.
/// With <paramref name="Probation"/> (every join since members must be heard to vote), a host that
/// is not a voter now is registered on probation: it becomes a voter when the leader hears it.
/// </summary>
public sealed record RegisterHost(
    string Name,
    string RaftEndpoint,
    string ProbeEndpoint,
    string InitiatorIqn,
    string Hypervisor,
    int Cpus,
    long MemoryMb,
    string Generation,
    string Identity,
    int PowerOffBoundMs,
    bool Probation = false) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (state.RevokedIdentities.Contains(Identity))
        {
            return ApplyResult.Reject($"identity of {Name} is revoked");
        }

        if (state.Hosts.Values.FirstOrDefault(h => h.Phase != HostPhase.Removed && h.Name != Name && h.InitiatorIqn == InitiatorIqn) is { } holder)
        {
            return ApplyResult.Reject($"initiator {InitiatorIqn} belongs to host {holder.Name}");
        }

        if (state.Hosts.Values.FirstOrDefault(h => h.Phase != HostPhase.Removed && h.Name != Name && h.RaftEndpoint == RaftEndpoint) is { } other)
        {
            return ApplyResult.Reject($"Raft endpoint {RaftEndpoint} belongs to host {other.Name}");
        }

        if (state.TryHost(Name, out var old))
        {
            if (old.Phase != HostPhase.Removed && !string.Equals(old.Identity, Identity, StringComparison.Ordinal))
            {
                return ApplyResult.Reject($"host name {Name} is registered with another identity");
            }

            state.Hosts[Name] = old with
            {
                RaftEndpoint = RaftEndpoint,
                ProbeEndpoint = ProbeEndpoint,
                InitiatorIqn = InitiatorIqn,
                Hypervisor = Hypervisor,
                Cpus = Cpus,
                MemoryMb = MemoryMb,
                Generation = Generation,
                Identity = Identity,
                PowerOffBoundMs = PowerOffBoundMs,
                Phase = old.Phase == HostPhase.Removed ? HostPhase.Active : old.Phase,
                Voter = !Probation || (old.Voter && old.Phase != HostPhase.Removed),
                Probation = Probation && !(old.Voter && old.Phase != HostPhase.Removed),
                RegisteredAtIndex = index,
            };
            return ApplyResult.Ok;
        }

        state.Hosts[Name] = new HostEntry
        {
            Name = Name,
            RaftEndpoint = RaftEndpoint,
            ProbeEndpoint = ProbeEndpoint,
            InitiatorIqn = InitiatorIqn,
            Hypervisor = Hypervisor,
            Cpus = Cpus,
            MemoryMb = MemoryMb,
            Generation = Generation,
            Identity = Identity,
            PowerOffBoundMs = PowerOffBoundMs,
            Voter = !Probation,
            Probation = Probation,
            RegisteredAtIndex = index,
        };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => $"register host {Name} (generation {Generation}, raft {RaftEndpoint})";
}

/// <summary>A majority agreed that the host failed (its lease surely expired).</summary>
public sealed record HostFailed(string Name, string Generation, string Reason) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h) || h.Phase == HostPhase.Removed)
        {
            return ApplyResult.Reject($"no host {Name}");
        }

        if (h.Phase == HostPhase.Failed)
        {
            return ApplyResult.Reject($"host {Name} is already failed");
        }

        state.Hosts[Name] = h with { Phase = HostPhase.Failed, FailedAtIndex = index, FailedGeneration = Generation, FailedReason = Reason };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => $"host {Name} failed: {Reason}";
}

/// <summary>The host is cut off the storage (verified), or declared fenced by lease alone when no target is configured.</summary>
public sealed record HostFenced(string Name, bool StorageVerified, string Evidence) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h))
        {
            return ApplyResult.Reject($"no host {Name}");
        }

        state.Hosts[Name] = h with { Fenced = true };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => $"host {Name} fenced ({(StorageVerified ? "storage fence verified" : "lease only: no storage fence")})";
}

/// <summary>Records a Raft membership change of the host (dynamic quorum).</summary>
public sealed record SetHostVoter(string Name, bool Voter) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h))
        {
            return ApplyResult.Reject($"no host {Name}");
        }

        state.Hosts[Name] = h with { Voter = Voter, Probation = false };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => Voter ? $"host {Name} is a voter again" : $"host {Name} leaves the voter set";
}

/// <summary>
/// A host admitted on probation was never heard: its Raft member was dropped. A new host that owns
/// nothing is unregistered (its key is not revoked: it may join again); any other stays a non-voter.
/// </summary>
public sealed record EndProbation(string Name, string Generation) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h) || !h.Probation || !string.Equals(h.Generation, Generation, StringComparison.Ordinal))
        {
            return ApplyResult.Reject($"host {Name} (generation {Generation}) is not on probation");
        }

        bool unregister = h.Phase == HostPhase.Active && h.FailedGeneration is null && !state.Vms.Values.Any(v => v.Host == Name);
        state.Hosts[Name] = h with { Probation = false, Voter = false, Phase = unregister ? HostPhase.Removed : h.Phase };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => $"host {Name} (generation {Generation}) was never heard after its admission: dropped";
}

/// <summary>
/// A failed/fenced host may run VMs again: only with a generation other than the one that failed
/// (it rebooted or restarted and reported no stale VM), or on an operator's explicit word.
/// </summary>
public sealed record ReadmitHost(string Name, string Generation, bool ByOperator, string Reason) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h) || h.Phase == HostPhase.Removed)
        {
            return ApplyResult.Reject($"no host {Name}");
        }

        if (!ByOperator && string.Equals(h.FailedGeneration, Generation, StringComparison.Ordinal))
        {
            return ApplyResult.Reject($"host {Name} still runs generation {Generation}, the one that failed: a stale writer is never re-admitted");
        }

        if (!string.Equals(h.Generation, Generation, StringComparison.Ordinal))
        {
            return ApplyResult.Reject($"host {Name} is at generation {h.Generation}, not {Generation}");
        }

        state.Hosts[Name] = h with { Phase = HostPhase.Active, Fenced = false, FailedGeneration = null, FailedAtIndex = 0, FailedReason = null, Voter = true };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => $"re-admit host {Name} (generation {Generation}{(ByOperator ? ", by operator" : string.Empty)})";
}

/// <summary>Enters or leaves planned maintenance.</summary>
public sealed record SetMaintenance(string Name, bool On) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h) || h.Phase == HostPhase.Removed)
        {
            return ApplyResult.Reject($"no host {Name}");
        }

        state.Hosts[Name] = h with { Maintenance = On };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => $"host {Name} {(On ? "enters" : "leaves")} maintenance";
}

/// <summary>
/// Makes a host a contingency host (spare) or a normal one again. Only the flag changes: VMs that
/// run on it stay there (the operator moves them when it suits), none moves back by itself.
/// </summary>
public sealed record SetSpare(string Name, bool Spare) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h) || h.Phase == HostPhase.Removed)
        {
            return ApplyResult.Reject($"no host {Name}");
        }

        state.Hosts[Name] = h with { Spare = Spare };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => Spare ? $"host {Name} becomes a spare" : $"host {Name} is no longer a spare";
}

/// <summary>An operator removes a host for good: its identity is revoked (it can no longer join or talk Raft).</summary>
public sealed record RemoveHost(string Name) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryHost(Name, out var h) || h.Phase == HostPhase.Removed)
        {
            return ApplyResult.Reject($"no host {Name}");
        }

        if (state.Vms.Values.Any(v => v.Host == Name))
        {
            return ApplyResult.Reject($"host {Name} still owns VMs; move them first");
        }

        state.RevokedIdentities.Add(h.Identity);
        state.Hosts[Name] = h with { Phase = HostPhase.Removed, Voter = false };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([Name], []);

    /// <inheritdoc />
    public override string Describe() => $"remove host {Name} and revoke its identity";
}
