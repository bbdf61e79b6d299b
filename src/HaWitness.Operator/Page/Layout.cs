namespace HaWitness.Operator.Page;

/// <summary>Who is looking: an admin (logged in, with the session's CSRF token for forms) or a reader.</summary>
/// <param name="Admin">Logged in as admin.</param>
/// <param name="Csrf">The session's CSRF token, when logged in.</param>
internal sealed record Viewer(bool Admin, string? Csrf)
{
    public static Viewer Reader { get; } = new(false, null);
}

/// <summary>
/// The frame of every page: head, header with login state, and the two static assets. The page
/// works without JavaScript; the script only reloads it every few seconds while nobody is typing.
/// Styles and script are served from <c>/static/</c> so the Content-Security-Policy can forbid
/// every inline script.
/// </summary>
internal static class Layout
{
    public const string CssPath = "/static/hawitness.css";
    public const string JsPath = "/static/hawitness.js";

    public static void Begin(Html h, string title, Viewer viewer, int refreshSeconds)
    {
        h.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<title>").Text(title).Raw("</title>")
            .Raw("<link rel=\"stylesheet\" href=\"" + CssPath + "\">")
            .Raw("<script src=\"" + JsPath + "\" defer></script></head>");
        h.Raw(refreshSeconds > 0 ? $"<body data-refresh=\"{refreshSeconds}\">" : "<body>");
        h.Raw("<header><a class=\"home\" href=\"/\">HaWitness</a><span class=\"who\">");
        if (viewer.Admin)
        {
            h.Raw("admin · <form class=\"inline\" method=\"post\" action=\"/logout\">").Hidden("csrf", viewer.Csrf ?? string.Empty)
                .Raw("<button type=\"submit\">Log out</button></form>");
        }
        else
        {
            h.Raw("<a href=\"/login\">Log in</a>");
        }

        h.Raw("</span></header><main>");
    }

    public static void End(Html h) =>
        h.Raw("</main><footer><a href=\"/api/v1/status\">/api/v1/status</a> · <a href=\"/api/v1/openapi.json\">API</a> · <a href=\"/metrics\">metrics</a></footer></body></html>\n");

    public const string Css = """
        :root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --line: #d0d7de; --bg: #f6f8fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; }
        header { display: flex; justify-content: space-between; align-items: center; padding: .5rem 1rem; background: #24292f; color: #fff; }
        header a { color: #fff; } .home { font-weight: 700; text-decoration: none; }
        main { padding: .5rem 1rem 2rem; max-width: 1200px; margin: 0 auto; }
        footer { padding: 1rem; color: #59636e; font-size: .85rem; text-align: center; }
        h1 { font-size: 1.35rem; margin: .75rem 0; } h2 { font-size: 1.1rem; margin: 1.25rem 0 .4rem; border-bottom: 1px solid var(--line); }
        .verdict { padding: .75rem 1rem; border-radius: 6px; font-weight: 600; margin: .5rem 0; }
        .verdict.ok { background: #dafbe1; color: var(--ok); } .verdict.bad { background: #ffebe9; color: var(--bad); border: 2px solid var(--bad); }
        .verdict.warn { background: #fff8c5; color: var(--warn); }
        ul.alarms { list-style: none; padding: 0; margin: 0; } ul.alarms li { padding: .4rem .6rem; margin: .25rem 0; border-left: 5px solid; background: var(--bg); }
        ul.alarms li.bad { border-color: var(--bad); } ul.alarms li.warn { border-color: var(--warn); }
        .scroll { overflow-x: auto; } table { border-collapse: collapse; width: 100%; font-size: .92rem; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; vertical-align: top; }
        td.wrap { white-space: normal; min-width: 16rem; } th { background: var(--bg); }
        tr.bad td { background: #fff5f5; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .82rem; font-weight: 600; border: 1px solid; }
        .badge.ok { color: var(--ok); } .badge.bad { color: #fff; background: var(--bad); border-color: var(--bad); } .badge.warn { color: var(--warn); } .badge.plain { color: #59636e; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; } dl.facts dt { color: #59636e; } dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
        .answer { background: var(--bg); padding: .6rem .8rem; border-radius: 6px; }
        form.inline { display: inline; margin: 0; } form.action { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .4rem 0; }
        button, select, input[type=password] { font: inherit; padding: .3rem .6rem; }
        .note { color: #59636e; font-size: .9rem; } .message { padding: .6rem .8rem; border-radius: 6px; margin: .5rem 0; }
        .message.ok { background: #dafbe1; } .message.bad { background: #ffebe9; }
        pre { white-space: pre-wrap; word-break: break-all; font-size: .8rem; background: var(--bg); padding: .4rem; margin: .2rem 0; }
        @media (max-width: 600px) { main { padding: .25rem .5rem 2rem; } th, td { padding: .25rem .3rem; white-space: normal; } td.wrap { min-width: 9rem; } .hide-narrow { display: none; } }
        """;

    public const string Js = """
        (function () {
          var s = document.body && document.body.getAttribute('data-refresh');
          if (!s) return;
          setInterval(function () {
            var a = document.activeElement;
            if (a && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(a.tagName)) return;
            if (document.querySelector('details[open]')) return;
            location.reload();
          }, Number(s) * 1000);
        })();
        """;
}
