namespace HaWitness.Cluster.State;

/// <summary>One VM's new home in an <see cref="AssignVms"/> batch.</summary>
/// <param name="Name">The VM.</param>
/// <param name="Host">The new owner, or null: unplaced (no host had room or accepted it).</param>
/// <param name="Run">Whether it should run. Kept as given even when <paramref name="Host"/> is null: an
/// unplaced VM with <c>Run</c> still wants to run and is placed as soon as a host has room.</param>
public sealed record VmPlacement(string Name, string? Host, bool Run);

/// <summary>
/// Assigns many VMs at once (a failover of a host with hundreds of VMs is one log entry, not
/// hundreds): every VM gets the ownership epoch of this log index. All or nothing: when one
/// placement is invalid nothing changes, and the leader plans again from the state it then sees.
/// </summary>
public sealed record AssignVms(IReadOnlyList<VmPlacement> Placements, string Reason) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        foreach (var p in Placements)
        {
            if (!state.Vms.ContainsKey(p.Name))
            {
                return ApplyResult.Reject($"no VM {p.Name}");
            }

            if (p.Host is not null)
            {
                if (!state.TryHost(p.Host, out var h) || h.Phase != HostPhase.Active || h.Fenced)
                {
                    return ApplyResult.Reject($"host {p.Host} is not an active, unfenced host");
                }

                if (h.Maintenance)
                {
                    return ApplyResult.Reject($"host {p.Host} is in maintenance");
                }
            }
        }

        foreach (var p in Placements)
        {
            var vm = state.Vms[p.Name];
            state.Vms[p.Name] = vm with { Host = p.Host, Epoch = index, Run = p.Run, Moving = false, MoveTarget = null };
        }

        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override string Describe() => Placements.Count == 1
        ? (Placements[0].Host is null ? $"unplace VM {Placements[0].Name}: {Reason}" : $"assign VM {Placements[0].Name} to {Placements[0].Host}: {Reason}")
        : $"assign {Placements.Count} VMs: {Reason}";

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [.. Placements.Select(p => p.Name)]);
}

/// <summary>
/// First half of a planned move (maintenance, migrate, a retry elsewhere after an unconfirmed
/// start): the owner stops the VM (new epoch, same owner, not running) and the VM remembers that
/// it is moving. The leader assigns it to its target only after the owner reported it stopped,
/// so two hosts never run it at once.
/// </summary>
/// <param name="Name">The VM.</param>
/// <param name="Target">Where it goes, or null for wherever placement finds room.</param>
/// <param name="Reason">Why (journal, logs).</param>
public sealed record BeginMove(string Name, string? Target, string Reason) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryVm(Name, out var vm))
        {
            return ApplyResult.Reject($"no VM {Name}");
        }

        if (vm.Host is null)
        {
            return ApplyResult.Reject($"VM {Name} is unplaced; nothing to stop");
        }

        state.Vms[Name] = vm with { Epoch = index, Run = false, Moving = vm.Run || vm.Moving, MoveTarget = Target };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override string Describe() => $"stop VM {Name} on its owner to move it{(Target is null ? string.Empty : " to " + Target)}: {Reason}";

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [Name]);
}

/// <summary>Sets the VMs a VM waits for before it starts ("B starts after A runs").</summary>
public sealed record SetVmDependencies(string Name, IReadOnlyList<string> DependsOn) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (!state.TryVm(Name, out var vm))
        {
            return ApplyResult.Reject($"no VM {Name}");
        }

        if (DependsOn.Contains(Name, StringComparer.Ordinal))
        {
            return ApplyResult.Reject($"VM {Name} cannot depend on itself");
        }

        state.Vms[Name] = vm with { DependsOn = [.. DependsOn.Distinct(StringComparer.Ordinal)] };
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override string Describe() => DependsOn.Count == 0
        ? $"VM {Name} depends on nothing"
        : $"VM {Name} starts after {string.Join(", ", DependsOn)}";

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], [Name]);
}

/// <summary>Adds or replaces a placement rule (by name).</summary>
public sealed record SetPlacementRule(PlacementRule Rule) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index)
    {
        if (string.IsNullOrWhiteSpace(Rule.Name))
        {
            return ApplyResult.Reject("a rule needs a name");
        }

        if (Rule.Vms.Count == 0)
        {
            return ApplyResult.Reject($"rule {Rule.Name} names no VM");
        }

        if (Rule.Kind == PlacementRuleKind.PreferHost && Rule.Hosts.Count == 0)
        {
            return ApplyResult.Reject($"rule {Rule.Name} prefers no host");
        }

        state.Rules[Rule.Name] = Rule;
        return ApplyResult.Ok;
    }

    /// <inheritdoc />
    public override string Describe() => Rule.Kind switch
    {
        PlacementRuleKind.KeepApart => $"rule {Rule.Name}: keep {string.Join(", ", Rule.Vms)} apart",
        PlacementRuleKind.KeepTogether => $"rule {Rule.Name}: keep {string.Join(", ", Rule.Vms)} together",
        _ => $"rule {Rule.Name}: {string.Join(", ", Rule.Vms)} prefer {string.Join(", ", Rule.Hosts)}",
    };

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], []);
}

/// <summary>Removes a placement rule.</summary>
public sealed record RemovePlacementRule(string Name) : ClusterCommand
{
    internal override ApplyResult Apply(MutableState state, long index) =>
        state.Rules.Remove(Name) ? ApplyResult.Ok : ApplyResult.Reject($"no rule {Name}");

    /// <inheritdoc />
    public override string Describe() => $"remove rule {Name}";

    /// <inheritdoc />
    public override (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => ([], []);
}
