namespace HaWitness.Operator.Page;

/// <summary>
/// <c>/login</c>: one password field. The form carries a double-submit token (the same random value
/// in a cookie and a hidden field) so another site cannot log a browser in behind its back.
/// </summary>
internal static class LoginPage
{
    public const string CookieName = "hw_login";

    public static string Render(string formToken, string? error, string returnTo)
    {
        var h = new Html();
        Layout.Begin(h, "log in · HaWitness", Viewer.Reader, 0);
        h.Raw("<h1>Log in</h1>");
        if (error is not null)
        {
            h.Raw("<div class=\"message bad\" id=\"message\">").Text(error).Raw("</div>");
        }

        h.Raw("<form class=\"action\" method=\"post\" action=\"/login\">").Hidden("csrf", formToken).Hidden("return", returnTo)
            .Raw("<label>admin password <input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required></label>")
            .Raw("<button type=\"submit\" id=\"login\">Log in</button></form>")
            .Raw("<p class=\"note\">The password was shown once when the appliance first started; set a new one on the appliance with <code>hawitness admin-password</code>.</p>");
        Layout.End(h);
        return h.ToString();
    }

    /// <summary>The answer to a form sent without a login (or after it expired).</summary>
    public static string Required()
    {
        var h = new Html();
        Layout.Begin(h, "log in · HaWitness", Viewer.Reader, 0);
        h.Raw("<h1>Log in first</h1><p id=\"message\">Changing the cluster needs the admin login (it may have expired, or the password was changed). ")
            .Raw("<a href=\"/login\">Log in</a>.</p>");
        Layout.End(h);
        return h.ToString();
    }
}
