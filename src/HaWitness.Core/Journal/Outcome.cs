namespace HaWitness.Core.Journal;

/// <summary>How a decision (or one step of it) ended. Stored by name.</summary>
public enum Outcome
{
    /// <summary>The decision was taken and is in progress; a later row records its end.</summary>
    Decided,
    /// <summary>The step completed and was verified.</summary>
    Succeeded,
    /// <summary>The step ran and failed; the evidence says why.</summary>
    Failed,
    /// <summary>The request was refused (bad input, no authority, unsafe).</summary>
    Refused,
    /// <summary>Nothing needed doing (for example fencing an already fenced host).</summary>
    NoOp,
}
