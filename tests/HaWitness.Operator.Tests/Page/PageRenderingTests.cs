using System.Text.Json.Nodes;
using HaWitness.Core.Journal;
using HaWitness.Core.Status;
using HaWitness.Failover.Explain;
using HaWitness.Failover.Status;
using HaWitness.Operator.Alarms;
using HaWitness.Operator.Api;
using HaWitness.Operator.Page;

namespace HaWitness.Operator.Tests.Page;

public sealed class PageRenderingTests
{
    private const string Evil = "<script>alert('x')</script>\"&";

    private static OperatorSnapshot Snapshot(string hostName, string hostState = "online", string vmState = "running", bool hasQuorum = true, string fence = "verified")
    {
        var status = new StatusReport("appliance", "0.1.0", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "127.0.0.1:7400", 3,
            new QuorumStatus(2, hasQuorum ? 2 : 1, hasQuorum, hasQuorum ? "hears 2 of 2" : "hears 1 of 2, a majority is 2"),
            [new HostStatus(hostName, hostState, 250, hostState == "fenced", false, "gen-1", true, "127.0.0.1:1", "iqn.x:" + hostName, "sim", 8, 1024, 1)],
            [new VmStatus("vm-" + hostName, hostName, vmState, "high", 7, true)],
            new JournalStatus(1, 2, 4096));
        var failover = new FailoverStatus(fence, hasQuorum, "reason", 1, 0, [new FailoverHostStatus(hostName, "online", "gen-1", 1, 7, 512)], status.Vms);
        var decisions = new[] { new DecisionRecord(1, DateTimeOffset.UnixEpoch, "PlaceVm", "vm:vm-" + hostName, Outcome.Succeeded, new JsonObject { ["summary"] = "placed " + hostName }.ToJsonString()) };
        return new OperatorSnapshot(status, failover, decisions, ActiveAlarms.Compute(status, failover));
    }

    [Fact]
    public void StatusPage_EncodesNamesFromAgents_Everywhere()
    {
        string html = StatusPage.Render(Snapshot(Evil), Viewer.Reader);

        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/hosts/%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E%22%26\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html.Replace("<script src=\"/static/hawitness.js\" defer></script>", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void DetailPages_EncodeNamesEvidenceAndTheCsrfToken()
    {
        var snapshot = Snapshot(Evil);
        var explain = new ExplainAnswer("host:" + Evil, true, "because " + Evil, null,
            [new ExplainStep(1, DateTimeOffset.UnixEpoch, "HostFailed", "host:" + Evil, "Decided", Evil, new JsonObject { ["x"] = Evil })]);
        var admin = new Viewer(true, "tok\"en");

        string host = DetailPages.Host(snapshot.Host(Evil)!, explain, admin, new PageMessage(false, Evil));
        string vm = DetailPages.Vm(snapshot.Vm("vm-" + Evil)!, explain, ["b", Evil], admin, null);

        foreach (var html in new[] { host, vm })
        {
            Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
            Assert.Contains("value=\"tok&quot;en\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("id=\"maintenance\"", host, StringComparison.Ordinal);
        Assert.Contains("id=\"migrate\"", vm, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"maintenance\"", DetailPages.Host(snapshot.Host(Evil)!, explain, Viewer.Reader, null), StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"readmit\"", host, StringComparison.Ordinal); // an online host has nothing to re-admit
    }

    [Fact]
    public void AFailedHostsPage_OffersTheAdminReadmission_WithARequiredReason_AndReadersNothing()
    {
        var snapshot = Snapshot("a", hostState: "fenced");
        var explain = new ExplainAnswer("host:a", true, "a was fenced", null, []);

        string admin = DetailPages.Host(snapshot.Host("a")!, explain, new Viewer(true, "tok"), null);
        string reader = DetailPages.Host(snapshot.Host("a")!, explain, Viewer.Reader, null);

        Assert.Contains("action=\"/hosts/a/readmit\"", admin, StringComparison.Ordinal);
        Assert.Contains("name=\"reason\" id=\"reason\" maxlength=\"500\" required", admin, StringComparison.Ordinal);
        Assert.Contains("no longer writes stale data", admin, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"readmit\"", reader, StringComparison.Ordinal);
        Assert.Contains("re-admit a failed host", reader, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailedHost_MakesTheVerdictRed_AndLeaseOnlyIsSaidPlainly()
    {
        string good = StatusPage.Render(Snapshot("a"), Viewer.Reader);
        string bad = StatusPage.Render(Snapshot("a", hostState: "fenced", vmState: "unplaced", fence: "LEASE ONLY: no storage target"), Viewer.Reader);
        string noQuorum = StatusPage.Render(Snapshot("a", hasQuorum: false), Viewer.Reader);

        Assert.Contains("class=\"verdict ok\"", good, StringComparison.Ordinal);
        Assert.Contains("All good.", good, StringComparison.Ordinal);
        Assert.Contains("class=\"verdict bad\"", bad, StringComparison.Ordinal);
        Assert.Contains("HostFailed", bad, StringComparison.Ordinal);
        Assert.Contains("VmNotRunning", bad, StringComparison.Ordinal);
        Assert.Contains("LEASE ONLY: no storage target", bad, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"bad\">", bad, StringComparison.Ordinal);
        Assert.Contains("QuorumLost", noQuorum, StringComparison.Ordinal);
        Assert.Contains("hears 1 of 2, a majority is 2", noQuorum, StringComparison.Ordinal);
    }
}
