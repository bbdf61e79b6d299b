namespace HaWitness.Cluster.State;

/// <summary>What a placement rule asks for.</summary>
public enum PlacementRuleKind
{
    /// <summary>Anti-affinity (hard): no two of the rule's VMs on one host.</summary>
    KeepApart,
    /// <summary>Affinity (hard): all of the rule's VMs on one host.</summary>
    KeepTogether,
    /// <summary>Soft: the rule's VMs go to one of the rule's hosts when one has room, elsewhere otherwise.</summary>
    PreferHost,
}

/// <summary>A placement rule, replicated with the desired state so every leader plans the same way.</summary>
/// <param name="Name">Unique name; setting a rule with the same name replaces it.</param>
/// <param name="Kind">What it asks for.</param>
/// <param name="Vms">The VMs it is about.</param>
/// <param name="Hosts">For <see cref="PlacementRuleKind.PreferHost"/>: the preferred hosts, best first.</param>
public sealed record PlacementRule(string Name, PlacementRuleKind Kind, IReadOnlyList<string> Vms, IReadOnlyList<string> Hosts);
