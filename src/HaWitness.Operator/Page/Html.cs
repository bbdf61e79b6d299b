using System.Globalization;
using System.Net;
using System.Text;

namespace HaWitness.Operator.Page;

/// <summary>
/// A small HTML writer: every piece of text goes through <see cref="Text"/> (HTML-encoded: host
/// and VM names come from agents); markup is written with <see cref="Raw"/> from constants only.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _sb;

    public Html(int capacity = 16 * 1024)
    {
        _sb = new StringBuilder(capacity);
    }

    public Html Raw(string markup)
    {
        _sb.Append(markup);
        return this;
    }

    public Html Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _sb.Append(WebUtility.HtmlEncode(text));
        }

        return this;
    }

    public Html Number(long value)
    {
        _sb.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    /// <summary>An element with encoded text content: <c>&lt;tag class="cls"&gt;text&lt;/tag&gt;</c>.</summary>
    public Html El(string tag, string? cls, string? text)
    {
        _sb.Append('<').Append(tag);
        if (cls is not null)
        {
            _sb.Append(" class=\"").Append(WebUtility.HtmlEncode(cls)).Append('"');
        }

        _sb.Append('>');
        Text(text);
        _sb.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>A link to a path built from a fixed prefix and an escaped name.</summary>
    public Html Link(string prefix, string name, string? text = null)
    {
        _sb.Append("<a href=\"").Append(WebUtility.HtmlEncode(prefix + Uri.EscapeDataString(name))).Append("\">");
        Text(text ?? name);
        _sb.Append("</a>");
        return this;
    }

    /// <summary>A state word as a coloured badge.</summary>
    public Html Badge(string state) => El("span", "badge " + Tone(state), state);

    /// <summary>A hidden form field.</summary>
    public Html Hidden(string name, string value)
    {
        _sb.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(name)).Append("\" value=\"").Append(WebUtility.HtmlEncode(value)).Append("\">");
        return this;
    }

    /// <summary>The colour class of a state word: red for what needs someone, amber for what may.</summary>
    public static string Tone(string state) => state switch
    {
        "online" or "running" or "Succeeded" or "verified" or "yes" or "ok" => "ok",
        "failed" or "fenced" or "unplaced" or "Failed" or "critical" or "no quorum" => "bad",
        "suspect" or "offline" or "joining" or "starting" or "maintenance" or "Refused" or "warning" or "silent" => "warn",
        _ => "plain",
    };

    public override string ToString() => _sb.ToString();
}
