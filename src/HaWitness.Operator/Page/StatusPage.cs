using System.Globalization;
using HaWitness.Core.Journal;
using HaWitness.Operator.Alarms;
using HaWitness.Operator.Api;

namespace HaWitness.Operator.Page;

/// <summary>
/// <c>GET /</c>: one verdict line, the active alarms, quorum and storage-fence mode, hosts, VMs and
/// the latest decisions. Red is what needs a person now; amber is what may.
/// </summary>
internal static class StatusPage
{
    /// <param name="s">The state to show.</param>
    /// <param name="viewer">Who looks.</param>
    /// <param name="insecure">A warning shown above everything (plain HTTP off loopback), or null.</param>
    public static string Render(OperatorSnapshot s, Viewer viewer, string? insecure = null)
    {
        var status = s.Status;
        var h = new Html(64 * 1024 + status.Vms.Count * 320);
        Layout.Begin(h, $"HaWitness · {status.Node}", viewer, refreshSeconds: 5);
        h.Raw("<h1>").Text(status.Node).Raw(" <span class=\"note\">HaWitness ").Text(status.Version).Raw(" · ")
            .Text(status.Time.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Raw("</span></h1>");
        if (insecure is not null)
        {
            h.Raw("<div id=\"insecure\" class=\"verdict bad\">INSECURE: ").Text(insecure).Raw("</div>");
        }

        Verdict(h, s);
        Alarms(h, s.Alarms);
        Quorum(h, s);
        Hosts(h, s);
        Vms(h, s);
        Decisions(h, s.Latest, "Latest decisions");
        Layout.End(h);
        return h.ToString();
    }

    private static void Verdict(Html h, OperatorSnapshot s)
    {
        int critical = s.Alarms.Count(a => a.Severity == "critical");
        int running = s.Status.Vms.Count(v => v.State == "running");
        int online = s.Status.Hosts.Count(x => x.State == "online");
        string tolerate = $"can tolerate {s.Failover.CanTolerateHostFailures} host failure{(s.Failover.CanTolerateHostFailures == 1 ? string.Empty : "s")}";
        string facts = $"{online} of {s.Status.Hosts.Count} hosts online, {running} of {s.Status.Vms.Count} VMs running, {tolerate}";
        string tone = critical > 0 ? "bad" : s.Alarms.Count > 0 ? "warn" : "ok";
        string head = critical > 0 ? $"ATTENTION: {critical} critical alarm{(critical == 1 ? string.Empty : "s")}. " : s.Alarms.Count > 0 ? "Warnings. " : "All good. ";
        h.Raw("<div id=\"verdict\" class=\"verdict ").Raw(tone).Raw("\">").Text(head + facts).Raw("</div>");
    }

    private static void Alarms(Html h, IReadOnlyList<ActiveAlarm> alarms)
    {
        h.Raw("<h2>Active alarms</h2>");
        if (alarms.Count == 0)
        {
            h.Raw("<p class=\"note\">None.</p>");
            return;
        }

        h.Raw("<ul class=\"alarms\" id=\"alarms\">");
        foreach (var a in alarms)
        {
            h.Raw("<li class=\"").Raw(Html.Tone(a.Severity)).Raw("\"><strong>").Text(a.Kind).Raw("</strong> ");
            SubjectLink(h, a.Subject);
            h.Raw(": ").Text(a.Summary).Raw("</li>");
        }

        h.Raw("</ul>");
    }

    private static void Quorum(Html h, OperatorSnapshot s)
    {
        var q = s.Status.Quorum;
        h.Raw("<h2>Quorum</h2><dl class=\"facts\" id=\"quorum\">");
        h.Raw("<dt>state</dt><dd>").Badge(q.HasQuorum ? "ok" : "no quorum").Raw(" ").Text(q.Reason).Raw("</dd>");
        h.Raw("<dt>voters</dt><dd>").Number(q.Voters).Raw(" (").Number(q.Reachable).Raw(" reachable)</dd>");
        h.Raw("<dt>leader</dt><dd>").Text(s.Status.Leader ?? "none").Raw(" · term ").Number(s.Status.Term).Raw("</dd>");
        h.Raw("<dt>failover</dt><dd>").Text(s.Failover.Reason).Raw("</dd>");
        h.Raw("<dt>storage fence</dt><dd id=\"fence-mode\">");
        if (s.Failover.StorageFence == "verified")
        {
            h.Badge("verified").Raw(" a failed host is cut off the iSCSI target and the fence is verified before its VMs restart");
        }
        else
        {
            h.Badge("warning").Raw(" ").Text(s.Failover.StorageFence);
        }

        h.Raw("</dd><dt>tolerance</dt><dd id=\"tolerance\">can tolerate ").Number(s.Failover.CanTolerateHostFailures).Raw(" host failure(s)");
        if (s.Failover.ReserveHostFailures > 0)
        {
            h.Raw(" (admission control reserves ").Number(s.Failover.ReserveHostFailures).Raw(")");
        }

        h.Raw("</dd><dt>journal</dt><dd>").Number(s.Status.Journal.LastDecisionId).Raw(" decisions, ").Number(s.Status.Journal.Events)
            .Raw(" events, ").Number(s.Status.Journal.Bytes / 1024).Raw(" KiB</dd></dl>");
    }

    private static void Hosts(Html h, OperatorSnapshot s)
    {
        h.Raw("<h2>Hosts</h2><div class=\"scroll\"><table id=\"hosts\"><thead><tr><th>host</th><th>state</th><th>lease age</th><th>fenced</th>")
            .Raw("<th>maint.</th><th>VMs</th><th>CPU free/total</th><th>memory free/total</th><th class=\"hide-narrow\">generation</th></tr></thead><tbody>");
        foreach (var x in s.Hosts())
        {
            h.Raw(Html.Tone(x.State) == "bad" ? "<tr class=\"bad\"><td>" : "<tr><td>").Link("/hosts/", x.Name).Raw("</td><td>").Badge(x.State);
            if (x.Spare)
            {
                h.Raw(" ").Badge("spare");
            }

            h.Raw("</td><td>").Text(ActiveAlarms.Age(x.LeaseAgeMs)).Raw("</td><td>").Text(x.Fenced ? "FENCED" : "no")
                .Raw("</td><td>").Text(x.Maintenance ? "yes" : "no").Raw("</td><td>").Number(x.Vms.Count)
                .Raw("</td><td>").Number(x.FreeCpus).Raw(" / ").Number(x.Cpus)
                .Raw("</td><td>").Number(x.FreeMemoryMb).Raw(" / ").Number(x.MemoryMb).Raw(" MiB")
                .Raw("</td><td class=\"hide-narrow\">").Text(x.Generation).Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
        if (s.Status.Hosts.Count == 0)
        {
            h.Raw("<p class=\"note\">No host has joined yet: start hawitness-agent with this appliance's URL and the join token (hawitness join-token).</p>");
        }
    }

    private static void Vms(Html h, OperatorSnapshot s)
    {
        h.Raw("<h2>VMs</h2><div class=\"scroll\"><table id=\"vms\"><thead><tr><th>VM</th><th>host</th><th>state</th><th>priority</th><th>HA</th><th class=\"hide-narrow\">epoch</th></tr></thead><tbody>");
        foreach (var v in s.Status.Vms)
        {
            h.Raw(Html.Tone(v.State) == "bad" ? "<tr class=\"bad\"><td>" : "<tr><td>").Link("/vms/", v.Name).Raw("</td><td>");
            if (v.Host is null)
            {
                h.Raw("—");
            }
            else
            {
                h.Link("/hosts/", v.Host);
            }

            h.Raw("</td><td>").Badge(v.State).Raw("</td><td>").Text(v.Priority).Raw("</td><td>").Text(v.Ha ? "on" : "off")
                .Raw("</td><td class=\"hide-narrow\">").Number(v.Epoch).Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
    }

    /// <summary>A table of decisions with their one-line reasons.</summary>
    public static void Decisions(Html h, IEnumerable<(long Id, DateTimeOffset Time, string Kind, string Subject, string Outcome, string Summary)> rows, string title, string id = "decisions")
    {
        h.Raw("<h2>").Text(title).Raw("</h2><div class=\"scroll\"><table id=\"").Raw(id).Raw("\"><thead><tr><th>time (UTC)</th><th>decision</th><th>about</th><th>outcome</th><th>why</th></tr></thead><tbody>");
        foreach (var d in rows)
        {
            h.Raw("<tr><td>").Text(d.Time.ToString("MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Raw("</td><td>").Text(d.Kind).Raw("</td><td>");
            SubjectLink(h, d.Subject);
            h.Raw("</td><td>").Badge(d.Outcome).Raw("</td><td class=\"wrap\">").Text(d.Summary).Raw("</td></tr>");
        }

        h.Raw("</tbody></table></div>");
    }

    private static void Decisions(Html h, IReadOnlyList<DecisionRecord> latest, string title) =>
        Decisions(h, latest.Select(d => (d.Id, d.Time, d.Kind, d.Subject, d.Outcome.ToString(), d.Summary())), title);

    /// <summary>A subject as a link to its page when it is a host or a VM.</summary>
    public static void SubjectLink(Html h, string subject)
    {
        if (subject.StartsWith("host:", StringComparison.Ordinal))
        {
            h.Link("/hosts/", subject[5..], subject);
        }
        else if (subject.StartsWith("vm:", StringComparison.Ordinal))
        {
            h.Link("/vms/", subject[3..], subject);
        }
        else
        {
            h.Text(subject);
        }
    }
}
