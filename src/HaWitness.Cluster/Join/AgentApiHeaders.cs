namespace HaWitness.Cluster.Join;

/// <summary>Headers of the agent API.</summary>
public static class AgentApiHeaders
{
    /// <summary>
    /// The sending member's name on a heartbeat: with the member key in <c>Authorization: Bearer</c>
    /// it authenticates the call before the appliance reads (and pays for) the report.
    /// </summary>
    public const string Member = "X-HaWitness-Member";
}
