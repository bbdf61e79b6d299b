using System.Net;
using System.Text.Json;
using HaWitness.Core.Journal;
using HaWitness.Failover.Alarms;
using HaWitness.Failover.Simulation;
using HaWitness.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using HaWitness.Core.Configuration;

namespace HaWitness.Failover.Tests.Alarms;

public sealed class AlarmDispatcherTests
{
    private static readonly Alarm HostFailed = new(AlarmKind.HostFailed, "host:a", "host a failed", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private sealed class FlakyChannel(int failures) : IAlarmChannel
    {
        public List<AlarmPayload> Seen { get; } = [];

        public string Name => "flaky";

        public Task<string?> DeliverAsync(AlarmPayload alarm, CancellationToken cancellationToken)
        {
            Seen.Add(alarm);
            return Task.FromResult(Seen.Count <= failures ? "connection refused" : null);
        }
    }

    private sealed class Recorder(HttpStatusCode status) : HttpMessageHandler
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            return new HttpResponseMessage(status);
        }
    }

    private static AlarmDispatcher Dispatcher(IAlarmChannel channel, MemoryJournal journal, int tries = 4) =>
        new([channel], journal, TimeProvider.System, new AlarmOptions { Tries = tries, RetryDelayMs = 1 }, "w", NullLogger<AlarmDispatcher>.Instance);

    [Fact]
    public async Task Delivery_IsRetried_AndEveryTryIsJournaled()
    {
        var journal = new MemoryJournal(new FakeTimeProvider());
        var channel = new FlakyChannel(failures: 2);

        bool ok = await Dispatcher(channel, journal).DeliverAsync(channel, HostFailed, CancellationToken.None);

        Assert.True(ok);
        Assert.Equal(3, channel.Seen.Count);
        var rows = journal.All.Where(d => d.Kind == DecisionKinds.AlarmDelivery).ToList();
        Assert.Equal([Outcome.Failed, Outcome.Failed, Outcome.Succeeded], rows.Select(r => r.Outcome));
        Assert.Contains("connection refused", rows[0].EvidenceJson, StringComparison.Ordinal);
    }

    /// <summary>A journal on a full disk: every write fails.</summary>
    private sealed class FullJournal : HaWitness.Failover.Journal.IDecisionJournal
    {
        public long Append(NewDecision decision) => throw new JournalWriteException("journal: write failed: the disk is full");

        public IReadOnlyList<DecisionRecord> Decisions(DecisionQuery query) => [];

        public void UpsertVm(VmUpdate vm, string reason) => throw new JournalWriteException("journal: write failed: the disk is full");
    }

    [Fact]
    public async Task JournalThatCannotWrite_TheAlarmIsDeliveredAllTheSame()
    {
        var channel = new FlakyChannel(failures: 0);
        var dispatcher = new AlarmDispatcher([channel], new FullJournal(), TimeProvider.System, new AlarmOptions { Tries = 2, RetryDelayMs = 1 }, "w", NullLogger<AlarmDispatcher>.Instance);
        var journalFault = new Alarm(AlarmKind.JournalFault, "cluster", "the journal cannot take writes: the disk is full", HostFailed.Time);

        Assert.True(await dispatcher.DeliverAsync(channel, journalFault, CancellationToken.None));
        Assert.Equal("JournalFault", Assert.Single(channel.Seen).Kind);
    }

    [Fact]
    public async Task Delivery_GivesUpAfterItsTries()
    {
        var journal = new MemoryJournal(new FakeTimeProvider());
        var channel = new FlakyChannel(failures: 100);

        Assert.False(await Dispatcher(channel, journal, tries: 3).DeliverAsync(channel, HostFailed, CancellationToken.None));
        Assert.Equal(3, journal.All.Count(d => d.Outcome == Outcome.Failed));
    }

    [Fact]
    public async Task Webhook_PostsTheAlarmAsJson()
    {
        var handler = new Recorder(HttpStatusCode.NoContent);
        using var http = new HttpClient(handler);
        var channel = new WebhookChannel(http, new Uri("http://hooks.invalid/alarm"));

        string? error = await channel.DeliverAsync(new AlarmPayload("HostFailed", "host:a", "host a failed", HostFailed.Time, "w"), CancellationToken.None);

        Assert.Null(error);
        using var doc = JsonDocument.Parse(Assert.Single(handler.Bodies));
        Assert.Equal("HostFailed", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("host:a", doc.RootElement.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Webhook_A500IsAFailure()
    {
        using var http = new HttpClient(new Recorder(HttpStatusCode.InternalServerError));
        var channel = new WebhookChannel(http, new Uri("http://hooks.invalid/alarm"));

        Assert.Equal("HTTP 500 Internal Server Error", await channel.DeliverAsync(new AlarmPayload("QuorumLost", "cluster", "x", HostFailed.Time, "w"), CancellationToken.None));
    }

    [Fact]
    public async Task CommandHook_RunsAnArgumentVector_WithTheJsonOnStdin()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "alarm; rm -rf x.json");
        var channel = new CommandChannel(["/usr/bin/tee", file], TimeSpan.FromSeconds(10));

        string? error = await channel.DeliverAsync(new AlarmPayload("FenceFailed", "host:a", "fence failed", HostFailed.Time, "w"), CancellationToken.None);

        Assert.Null(error);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        Assert.Equal("FenceFailed", doc.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task CommandHook_ThatExitsButLeavesItsOutputOpen_IsJudgedByItsExitCode_NotThrown()
    {
        // The hook exits 0 at once, but a child it left behind holds stdout open for 3 s, past the
        // 1 s timeout: the delivery is judged by the exit code; no exception escapes the channel.
        var channel = new CommandChannel(["/bin/sh", "-c", "sleep 3 & exit 0"], TimeSpan.FromSeconds(1));

        string? error = await channel.DeliverAsync(new AlarmPayload("HostFailed", "host:a", "x", HostFailed.Time, "w"), CancellationToken.None);

        Assert.Null(error);
    }

    [Fact]
    public async Task CommandHook_ANonZeroExitIsAFailure()
    {
        var channel = new CommandChannel(["/usr/bin/false"], TimeSpan.FromSeconds(10));

        Assert.StartsWith("/usr/bin/false exited with 1", await channel.DeliverAsync(new AlarmPayload("HostFailed", "host:a", "x", HostFailed.Time, "w"), CancellationToken.None), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_RefuseAShellStringAndABadUrl()
    {
        var shell = new AlarmOptions();
        shell.Command.Add("notify.sh --to ops");
        Assert.NotNull(shell.Validate());
        Assert.NotNull(new AlarmOptions { WebhookUrl = "ftp://x" }.Validate());
        Assert.Null(new AlarmOptions { WebhookUrl = "https://hooks.example/alarm" }.Validate());
    }
}
