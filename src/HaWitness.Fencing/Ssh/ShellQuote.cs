using System.Buffers;

namespace HaWitness.Fencing.Ssh;

/// <summary>
/// The one place where an argument vector becomes text for a remote POSIX shell. SSH carries a
/// single command string that the remote login shell parses, so every argument is quoted so that
/// the shell hands it to the program byte for byte: words of plain characters stay as they are
/// (readable evidence), anything else goes in single quotes, where nothing is special except the
/// quote itself, written as <c>'\''</c>. POSIX sh, dash, bash, ksh and zsh parse this the same way;
/// csh and fish do not and are not supported as the remote login shell.
/// </summary>
public static class ShellQuote
{
    // No '=' (a first word with it would be an assignment), no '~' (tilde expansion), no '#'.
    private static readonly SearchValues<char> Plain =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@,+%");

    /// <summary>Quotes one argument.</summary>
    /// <exception cref="ArgumentException">It contains NUL, which no argument can carry.</exception>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("an argument cannot contain NUL", nameof(argument));
        }

        if (argument.Length > 0 && !argument.AsSpan().ContainsAnyExcept(Plain))
        {
            return argument;
        }

        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Quotes every argument and joins them with spaces: one command line.</summary>
    /// <exception cref="ArgumentException">The vector is empty or an argument contains NUL.</exception>
    public static string Join(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0)
        {
            throw new ArgumentException("an empty command", nameof(argv));
        }

        return string.Join(' ', argv.Select(Quote));
    }
}
