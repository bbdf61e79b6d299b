namespace HaWitness.Cluster.State;

/// <summary>A VM becomes known (an agent reported it): owned by <c>Host</c> from this index on.</summary>
public sealed record AddVm(
    string Name,
    string Host,
    bool Running,
    bool Ha,
    VmPriority Priority,
    int Cpus,
    long MemoryMb,
    string? Definition) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (state.Vms.ContainsKey(Name))
        {
            return ApplyResult.Reject($"VM {Name} is already known");
        }

        if (!state.TryHost(Host, out var h) || h.Phase != HostPhase.Active)
        {
            return ApplyResult.Reject($"host {Host} is not an active host");
        }

        state.Vms[Name] = new VmEntry
        {
            Name = Name,
            Host = Host,
            Epoch = index,
            Run = Running,
            Ha = Ha,
            Priority = Priority,
            Cpus = Cpus,
            MemoryMb = MemoryMb,
            Definition = Definition,
        };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [Name]);

    /// <inheritdoc />
    public override string Describe() => $"add VM {Name} on {Host}";
}

/// <summary>
/// Assigns a VM to a host (or unplaces it with <c>Host = null</c>): a new ownership epoch, this
/// log index. The owner starts it for this epoch only.
/// </summary>
public sealed record AssignVm(string Name, string? Host, bool Run, string Reason) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryVm(Name, out var vm))
        {
            return ApplyResult.Reject($"no VM {Name}");
        }

        if (Host is not null)
        {
            if (!state.TryHost(Host, out var h) || h.Phase != HostPhase.Active || h.Fenced)
            {
                return ApplyResult.Reject($"host {Host} is not an active, unfenced host");
            }

            if (h.Maintenance)
            {
                return ApplyResult.Reject($"host {Host} is in maintenance");
            }
        }

        state.Vms[Name] = vm with { Host = Host, Epoch = index, Run = Run && Host is not null, Moving = false, MoveTarget = null };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [Name]);

    /// <inheritdoc />
    public override string Describe() => Host is null ? $"unplace VM {Name}: {Reason}" : $"assign VM {Name} to {Host}: {Reason}";
}

/// <summary>Tells the owner to run or stop the VM (same owner, same epoch).</summary>
public sealed record SetVmRun(string Name, bool Run, string Reason) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryVm(Name, out var vm))
        {
            return ApplyResult.Reject($"no VM {Name}");
        }

        state.Vms[Name] = vm with { Run = Run };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [Name]);

    /// <inheritdoc />
    public override string Describe() => $"{(Run ? "run" : "stop")} VM {Name}: {Reason}";
}

/// <summary>Turns HA protection of a VM on or off.</summary>
public sealed record SetVmHa(string Name, bool Ha) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryVm(Name, out var vm))
        {
            return ApplyResult.Reject($"no VM {Name}");
        }

        state.Vms[Name] = vm with { Ha = Ha };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [Name]);

    /// <inheritdoc />
    public override string Describe() => $"HA {(Ha ? "on" : "off")} for VM {Name}";
}

/// <summary>Sets a VM's restart priority.</summary>
public sealed record SetVmPriority(string Name, VmPriority Priority) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryVm(Name, out var vm))
        {
            return ApplyResult.Reject($"no VM {Name}");
        }

        state.Vms[Name] = vm with { Priority = Priority };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [Name]);

    /// <inheritdoc />
    public override string Describe() => $"priority {Priority} for VM {Name}";
}
