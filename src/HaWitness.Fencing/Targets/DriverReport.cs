namespace HaWitness.Fencing.Targets;

/// <summary>One command a driver ran, for the evidence.</summary>
/// <param name="Command">The command line as sent (an SSH invocation), or as a remote script ran it (a step).</param>
/// <param name="ExitCode">Its exit status.</param>
/// <param name="Ms">An SSH invocation: round-trip time seen by the appliance, in milliseconds. A step: null (not timed on its own).</param>
/// <param name="Note">Why a non-zero exit was accepted (e.g. "already unbound"), or the error line.</param>
/// <param name="Ssh">The SSH invocation (1, 2, ... within one attempt) it is, or that ran it.</param>
/// <param name="Step">True for a command a remote script ran inside SSH invocation <paramref name="Ssh"/>.</param>
public sealed record CommandRecord(string Command, int ExitCode, double? Ms, string? Note = null, int Ssh = 0, bool Step = false);

/// <summary>What a grant or fence did on the target, and what a re-read showed afterwards.</summary>
public sealed class DriverReport
{
    private readonly List<CommandRecord> _commands = [];
    private readonly List<string> _problems = [];
    private readonly Lock _lock = new();
    private int _invocations;

    /// <summary>Sessions of the initiator before anything was done.</summary>
    public IReadOnlyList<SessionInfo> SessionsBefore { get; internal set; } = [];

    /// <summary>Sessions of the initiator on the final re-read.</summary>
    public IReadOnlyList<SessionInfo> SessionsAfter { get; internal set; } = [];

    /// <summary>Targets naming the initiator in their ACL before.</summary>
    public IReadOnlyList<string> GrantedBefore { get; internal set; } = [];

    /// <summary>Targets naming the initiator in their ACL on the final re-read.</summary>
    public IReadOnlyList<string> GrantedAfter { get; internal set; } = [];

    /// <summary>
    /// Every command run, in order: each SSH invocation, followed by the steps its script ran on
    /// the target host, if any.
    /// </summary>
    public IReadOnlyList<CommandRecord> Commands
    {
        get
        {
            lock (_lock)
            {
                return [.. _commands];
            }
        }
    }

    /// <summary>Why it is not verified (unsafe targets, leftovers, persistence), in words.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_lock)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>True when an ACL or a session was changed (false: it was already so: a no-op).</summary>
    public bool Changed { get; internal set; }

    /// <summary>True only when the final re-read shows the wanted state on every target and it was persisted.</summary>
    public bool Verified { get; internal set; }

    /// <summary>Where the state was persisted (a file, <c>targetcli saveconfig</c>), or why not.</summary>
    public string Persistence { get; internal set; } = "not persisted";

    /// <summary>True when an unsafe target was among the problems.</summary>
    public bool HasUnsafeTarget { get; internal set; }

    /// <summary>SSH invocations recorded so far.</summary>
    internal int Invocations
    {
        get
        {
            lock (_lock)
            {
                return _invocations;
            }
        }
    }

    /// <summary>Records an SSH invocation and numbers it.</summary>
    internal void Add(CommandRecord command)
    {
        lock (_lock)
        {
            _invocations++;
            _commands.Add(command with { Ssh = _invocations, Step = false });
        }
    }

    /// <summary>Records a step a script ran inside SSH invocation <paramref name="ssh"/>.</summary>
    internal void AddStep(CommandRecord command, int ssh)
    {
        lock (_lock)
        {
            _commands.Add(command with { Ssh = ssh, Step = true });
        }
    }

    internal void Problem(string problem)
    {
        lock (_lock)
        {
            _problems.Add(problem);
        }
    }
}
