using HaWitness.Fencing.Ssh;
using HaWitness.TestSupport;

namespace HaWitness.Fencing.Tests.Targets.Tgt;

/// <summary>
/// A stand-in target host for the tgt scripts' edge cases that a real tgtd does not produce on
/// demand: argument vectors run on this machine by the real <c>sh</c>, with a fake <c>tgtadm</c>
/// first on PATH. It answers <c>--op show --mode target</c> from <c>targets-K.txt</c> (K = how
/// many such reads came before; <c>targets.txt</c> when there is no such file),
/// <c>--mode conn --tid N</c> from <c>conn-N.txt</c>, and logs every other call to <c>calls</c>;
/// a file <c>fail-OP</c> makes that operation print its content on stderr and exit 22.
/// </summary>
internal sealed class FakeTgtHost : IRemoteShell
{
    private const string FakeTgtadm = """
        #!/bin/sh
        d=$(dirname "$0")
        while [ $# -gt 0 ]; do
          case $1 in
            --op) op=$2; shift ;;
            --mode) mode=$2; shift ;;
            --tid) tid=$2; shift ;;
          esac
          shift
        done
        if [ "$op" = show ] && [ "$mode" = target ]; then
          k=$(cat "$d/reads" 2>/dev/null || echo 0); echo $((k + 1)) > "$d/reads"
          if [ -f "$d/targets-$k.txt" ]; then cat "$d/targets-$k.txt"; else cat "$d/targets.txt"; fi
          exit 0
        fi
        if [ "$op" = show ] && [ "$mode" = conn ]; then cat "$d/conn-$tid.txt" 2>/dev/null; exit 0; fi
        echo "$op $mode $tid" >> "$d/calls"
        if [ -f "$d/fail-$op" ]; then cat "$d/fail-$op" >&2; exit 22; fi
        exit 0
        """;

    private readonly TempDir _dir = new("hawitness-faketgt");

    public FakeTgtHost()
    {
        File.WriteAllText(_dir.File("tgtadm"), FakeTgtadm.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(_dir.File("tgtadm"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(ConfDirectory);
    }

    public string Destination => "root@fake-tgt:22";

    public List<string[]> Received { get; } = [];

    public string ConfDirectory => _dir.File("conf.d");

    /// <summary>The unbind/delete calls made, in order (<c>unbind target 1</c>, <c>delete conn 1</c>).</summary>
    public IReadOnlyList<string> Calls => File.Exists(_dir.File("calls")) ? File.ReadAllLines(_dir.File("calls")) : [];

    public int Reads => File.Exists(_dir.File("reads")) ? int.Parse(File.ReadAllText(_dir.File("reads")).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;

    public FakeTgtHost Targets(string listing, int? read = null)
    {
        File.WriteAllText(_dir.File(read is { } k ? $"targets-{k}.txt" : "targets.txt"), listing);
        return this;
    }

    public FakeTgtHost Connections(int tid, string listing)
    {
        File.WriteAllText(_dir.File($"conn-{tid}.txt"), listing);
        return this;
    }

    public FakeTgtHost Fail(string op, string stderr)
    {
        File.WriteAllText(_dir.File($"fail-{op}"), stderr + "\n");
        return this;
    }

    public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        Received.Add([.. argv]);
        string path = _dir.Path + ":" + Environment.GetEnvironmentVariable("PATH");
        var (code, stdout, stderr) = await ProcessRunner.RunAsync("env", ["PATH=" + path, .. argv]);
        return new CommandResult(ShellQuote.Join(argv), code, stdout, stderr, TimeSpan.FromMilliseconds(1));
    }

    public ValueTask DisposeAsync()
    {
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
