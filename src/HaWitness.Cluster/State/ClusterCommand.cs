using System.Text.Json.Serialization;

namespace HaWitness.Cluster.State;

/// <summary>
/// An entry of the replicated log: a change of the desired state. Only the leader proposes them;
/// every member applies them in log order with <see cref="Apply"/>, which must be deterministic
/// (no clock, no I/O, no randomness: anything like that travels in the command's fields).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RegisterHost), nameof(RegisterHost))]
[JsonDerivedType(typeof(HostFailed), nameof(HostFailed))]
[JsonDerivedType(typeof(HostFenced), nameof(HostFenced))]
[JsonDerivedType(typeof(SetHostVoter), nameof(SetHostVoter))]
[JsonDerivedType(typeof(EndProbation), nameof(EndProbation))]
[JsonDerivedType(typeof(ReadmitHost), nameof(ReadmitHost))]
[JsonDerivedType(typeof(SetMaintenance), nameof(SetMaintenance))]
[JsonDerivedType(typeof(RemoveHost), nameof(RemoveHost))]
[JsonDerivedType(typeof(SetSpare), nameof(SetSpare))]
[JsonDerivedType(typeof(AddVm), nameof(AddVm))]
[JsonDerivedType(typeof(AssignVm), nameof(AssignVm))]
[JsonDerivedType(typeof(SetVmRun), nameof(SetVmRun))]
[JsonDerivedType(typeof(SetVmHa), nameof(SetVmHa))]
[JsonDerivedType(typeof(SetVmPriority), nameof(SetVmPriority))]
[JsonDerivedType(typeof(AssignVms), nameof(AssignVms))]
[JsonDerivedType(typeof(BeginMove), nameof(BeginMove))]
[JsonDerivedType(typeof(SetVmDependencies), nameof(SetVmDependencies))]
[JsonDerivedType(typeof(SetPlacementRule), nameof(SetPlacementRule))]
[JsonDerivedType(typeof(RemovePlacementRule), nameof(RemovePlacementRule))]
public abstract record ClusterCommand
{
    /// <summary>Applies the command at log <paramref name="index"/>.</summary>
    internal abstract ApplyResult Apply(MutableState state, long index);

    /// <summary>A short human description for logs and the journal.</summary>
    public abstract string Describe();

    /// <summary>
    /// The hosts and VMs this command may change, so observers need not scan the whole state;
    /// null means "any" (the safe default for a command that does not say).
    /// </summary>
    public virtual (IReadOnlyList<string>? Hosts, IReadOnlyList<string>? Vms) Touches => (null, null);
}
