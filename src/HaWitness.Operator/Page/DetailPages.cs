using HaWitness.Core.Status;
using HaWitness.Failover.Explain;
using HaWitness.Operator.Alarms;
using HaWitness.Operator.Api;

namespace HaWitness.Operator.Page;

/// <summary>A result to show at the top of a page after a form was sent.</summary>
internal sealed record PageMessage(bool Ok, string Text);

/// <summary>
/// <c>/hosts/{name}</c> and <c>/vms/{name}</c>: the facts, the explainer's answer, the chain of
/// decisions that led here with their evidence, and (for an admin) the actions.
/// </summary>
internal static class DetailPages
{
    public static string Host(HostView x, ExplainAnswer explain, Viewer viewer, PageMessage? message)
    {
        var h = new Html();
        Layout.Begin(h, $"host {x.Name} · HaWitness", viewer, refreshSeconds: message is null ? 10 : 0);
        h.Raw("<h1>host ").Text(x.Name).Raw(" ").Badge(x.State).Raw("</h1>");
        Message(h, message);
        h.Raw("<dl class=\"facts\" id=\"facts\">")
            .Raw("<dt>state</dt><dd>").Text(x.State).Raw("</dd>")
            .Raw("<dt>lease age</dt><dd>").Text(ActiveAlarms.Age(x.LeaseAgeMs)).Raw("</dd>")
            .Raw("<dt>fenced</dt><dd>").Text(x.Fenced ? "FENCED" : "no").Raw("</dd>")
            .Raw("<dt>maintenance</dt><dd>").Text(x.Maintenance ? "yes" : "no").Raw("</dd>")
            .Raw("<dt>spare</dt><dd id=\"spare-state\">").Text(x.Spare
                ? x.Vms.Count == 0 ? "yes: it takes VMs only when a failover restarts them, and first"
                    : "yes: it takes VMs only when a failover restarts them, and first; the VMs on it stay until you migrate them"
                : "no").Raw("</dd>")
            .Raw("<dt>generation</dt><dd>").Text(x.Generation).Raw("</dd>")
            .Raw("<dt>voter</dt><dd>").Text(x.Voter ? "yes" : "no").Raw("</dd>")
            .Raw("<dt>hypervisor</dt><dd>").Text(x.Hypervisor).Raw("</dd>")
            .Raw("<dt>initiator</dt><dd>").Text(x.InitiatorIqn).Raw("</dd>")
            .Raw("<dt>CPU free/total</dt><dd>").Number(x.FreeCpus).Raw(" / ").Number(x.Cpus).Raw("</dd>")
            .Raw("<dt>memory free/total</dt><dd>").Number(x.FreeMemoryMb).Raw(" / ").Number(x.MemoryMb).Raw(" MiB</dd>")
            .Raw("<dt>VMs</dt><dd>");
        for (int i = 0; i < x.Vms.Count; i++)
        {
            h.Raw(i == 0 ? string.Empty : ", ").Link("/vms/", x.Vms[i]);
        }

        h.Raw(x.Vms.Count == 0 ? "none" : string.Empty).Raw("</dd></dl>");
        if (viewer.Admin)
        {
            h.Raw("<h2>Actions</h2>");
            string path = "/hosts/" + Uri.EscapeDataString(x.Name) + "/maintenance";
            Form(h, path, viewer).Hidden("enter", x.Maintenance ? "false" : "true");
            if (!x.Maintenance)
            {
                h.Raw("<label><input type=\"checkbox\" name=\"force\" value=\"true\"> force (VMs with nowhere to go stay)</label>")
                    .Raw("<button type=\"submit\" id=\"maintenance\">Enter maintenance</button></form>");
            }
            else
            {
                h.Raw("<button type=\"submit\" id=\"maintenance\">Exit maintenance</button></form>");
            }

            Form(h, "/hosts/" + Uri.EscapeDataString(x.Name) + "/spare", viewer).Hidden("spare", x.Spare ? "false" : "true")
                .Raw(x.Spare ? "<button type=\"submit\" id=\"spare\">Make it a normal host</button></form>"
                    : "<button type=\"submit\" id=\"spare\">Make it a spare (failover only; its VMs stay)</button></form>");

            if (x.State is "failed" or "fenced")
            {
                // Rule 4's escape hatch: normally the host comes back by itself with a new generation.
                Form(h, "/hosts/" + Uri.EscapeDataString(x.Name) + "/readmit", viewer)
                    .Raw("<p class=\"note\">Re-admit only when you know this host no longer writes stale data (its VMs are off, or it was rebuilt): ")
                    .Raw("its initiator is granted on the storage target again. Normally it comes back by itself when its agent re-registers.</p>")
                    .Raw("<label>why <input type=\"text\" name=\"reason\" id=\"reason\" maxlength=\"500\" required></label>")
                    .Raw("<button type=\"submit\" id=\"readmit\">Re-admit on my word</button></form>");
            }
        }
        else
        {
            LoginHint(h);
        }

        Explain(h, explain);
        Layout.End(h);
        return h.ToString();
    }

    public static string Vm(VmStatus v, ExplainAnswer explain, IReadOnlyList<string> hosts, Viewer viewer, PageMessage? message)
    {
        var h = new Html();
        Layout.Begin(h, $"VM {v.Name} · HaWitness", viewer, refreshSeconds: message is null ? 10 : 0);
        h.Raw("<h1>VM ").Text(v.Name).Raw(" ").Badge(v.State).Raw("</h1>");
        Message(h, message);
        h.Raw("<dl class=\"facts\" id=\"facts\"><dt>host</dt><dd>");
        if (v.Host is null)
        {
            h.Raw("none");
        }
        else
        {
            h.Link("/hosts/", v.Host);
        }

        h.Raw("</dd><dt>state</dt><dd>").Text(v.State).Raw("</dd>")
            .Raw("<dt>priority</dt><dd>").Text(v.Priority).Raw("</dd>")
            .Raw("<dt>HA</dt><dd>").Text(v.Ha ? "on" : "off").Raw("</dd>")
            .Raw("<dt>epoch</dt><dd>").Number(v.Epoch).Raw("</dd></dl>");
        if (viewer.Admin)
        {
            string path = "/vms/" + Uri.EscapeDataString(v.Name);
            h.Raw("<h2>Actions</h2>");
            Form(h, path + "/migrate", viewer).Raw("<label>move to <select name=\"host\">");
            foreach (var name in hosts.Where(n => n != v.Host))
            {
                h.Raw("<option>").Text(name).Raw("</option>");
            }

            h.Raw("</select></label><button type=\"submit\" id=\"migrate\">Migrate</button></form>");
            Form(h, path + "/ha", viewer).Hidden("on", v.Ha ? "false" : "true")
                .Raw(v.Ha ? "<button type=\"submit\" id=\"ha\">Turn HA off</button></form>" : "<button type=\"submit\" id=\"ha\">Turn HA on</button></form>");
            Form(h, path + "/priority", viewer).Raw("<label>priority <select name=\"priority\">");
            foreach (var p in new[] { "high", "medium", "low", "disabled" })
            {
                h.Raw(p == v.Priority ? "<option selected>" : "<option>").Text(p).Raw("</option>");
            }

            h.Raw("</select></label><button type=\"submit\" id=\"priority\">Set priority</button></form>");
        }
        else
        {
            LoginHint(h);
        }

        Explain(h, explain);
        Layout.End(h);
        return h.ToString();
    }

    public static string NotFound(string what, Viewer viewer) => Notice("Not found", what, viewer);

    /// <summary>A page with one sentence and a way back.</summary>
    public static string Notice(string title, string what, Viewer viewer)
    {
        var h = new Html();
        Layout.Begin(h, title + " · HaWitness", viewer, 0);
        h.Raw("<h1>").Text(title).Raw("</h1><p id=\"message\">").Text(what).Raw("</p><p><a href=\"/\">Back to the status page</a></p>");
        Layout.End(h);
        return h.ToString();
    }

    private static void Explain(Html h, ExplainAnswer explain)
    {
        h.Raw("<h2>Why</h2><p class=\"answer\" id=\"answer\">").Text(explain.Answer).Raw("</p>");
        StatusPage.Decisions(h, explain.Chain.Reverse().Select(d => (d.Id, d.Time, d.Kind, d.Subject, d.Outcome, d.Summary)), "Decision chain (newest first)", "chain");
        if (explain.Chain.Count == 0)
        {
            h.Raw("<p class=\"note\">No decision about it has been journaled yet.</p>");
            return;
        }

        h.Raw("<details><summary>Evidence of each decision</summary>");
        foreach (var d in explain.Chain.Reverse())
        {
            h.Raw("<p><strong>#").Number(d.Id).Raw(" ").Text(d.Kind).Raw("</strong></p><pre>").Text(d.Evidence?.ToJsonString() ?? "{}").Raw("</pre>");
        }

        h.Raw("</details>");
    }

    private static Html Form(Html h, string action, Viewer viewer) =>
        h.Raw("<form class=\"action\" method=\"post\" action=\"").Text(action).Raw("\">").Hidden("csrf", viewer.Csrf ?? string.Empty);

    private static void LoginHint(Html h) =>
        h.Raw("<p class=\"note\"><a href=\"/login\">Log in</a> as admin to change maintenance, spare, placement, HA or priority, or to re-admit a failed host.</p>");

    private static void Message(Html h, PageMessage? message)
    {
        if (message is not null)
        {
            h.Raw(message.Ok ? "<div class=\"message ok\" id=\"message\">" : "<div class=\"message bad\" id=\"message\">").Text(message.Text).Raw("</div>");
        }
    }
}
