namespace HaWitness.Cluster.State;

/// <summary>A VM as the committed state knows it. Immutable: commands replace it.</summary>
public sealed record VmEntry
{
    /// <summary>Name, unique in the cluster.</summary>
    public required string Name { get; init; }

    /// <summary>The owner host, or null when unplaced.</summary>
    public string? Host { get; init; }

    /// <summary>Ownership epoch: the log index of the assignment to <see cref="Host"/>. Agents start a VM only for the epoch they applied.</summary>
    public long Epoch { get; init; }

    /// <summary>Whether the owner should run it (false: keep it stopped, e.g. while it moves).</summary>
    public bool Run { get; init; } = true;

    /// <summary>HA-protected: restarted elsewhere when its host fails.</summary>
    public bool Ha { get; init; } = true;

    /// <summary>Restart priority.</summary>
    public VmPriority Priority { get; init; } = VmPriority.Medium;

    /// <summary>CPUs it needs.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>Memory it needs, in MiB.</summary>
    public long MemoryMb { get; init; } = 512;

    /// <summary>The hypervisor driver's definition (VIX .vmx path, libvirt domain XML), opaque here.</summary>
    public string? Definition { get; init; }

    /// <summary>
    /// Stopped on its owner to move elsewhere (maintenance, migrate, retry on another host): the
    /// leader assigns it once the owner reported it stopped, and it then runs again.
    /// </summary>
    public bool Moving { get; init; }

    /// <summary>Where a <see cref="Moving"/> VM goes, or null for wherever placement finds room.</summary>
    public string? MoveTarget { get; init; }

    /// <summary>VMs that must run before this one starts.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];
}
