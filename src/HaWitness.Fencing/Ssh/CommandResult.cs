namespace HaWitness.Fencing.Ssh;

/// <summary>What a remote command did.</summary>
/// <param name="Command">The command line as sent (quoted argument vector).</param>
/// <param name="ExitCode">Its exit status (-1 when it was killed by a signal).</param>
/// <param name="StdOut">Standard output.</param>
/// <param name="StdErr">Standard error.</param>
/// <param name="Elapsed">Round-trip time.</param>
public sealed record CommandResult(string Command, int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
{
    /// <summary>The first line of stderr (or stdout), for messages.</summary>
    public string FirstErrorLine
    {
        get
        {
            string text = StdErr.Trim().Length > 0 ? StdErr : StdOut;
            string line = text.Trim().Split('\n', 2)[0].Trim();
            return line.Length > 200 ? line[..200] + "..." : line;
        }
    }
}
