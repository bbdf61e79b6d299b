namespace HaWitness.Core.Journal;

/// <summary>
/// The subject column names what a decision or event is about, as <c>kind:name</c>
/// so that one index serves "the chain of decisions for this host / VM".
/// </summary>
public static class Subjects
{
    /// <summary>The cluster as a whole (quorum, leadership, configuration).</summary>
    public const string Cluster = "cluster";

    /// <summary>A hypervisor host, by its registered name.</summary>
    public static string Host(string name) => "host:" + name;

    /// <summary>A virtual machine, by its name.</summary>
    public static string Vm(string name) => "vm:" + name;

    /// <summary>An iSCSI target, by its IQN.</summary>
    public static string Target(string iqn) => "target:" + iqn;

    /// <summary>An agent (as seen before it is a registered host).</summary>
    public static string Agent(string name) => "agent:" + name;
}
