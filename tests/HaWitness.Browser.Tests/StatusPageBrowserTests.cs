using System.Diagnostics;
using HaWitness.TestSupport;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace HaWitness.Browser.Tests;

/// <summary>
/// The status page in headless Chromium against a running test cluster (appliance + two sim
/// agents as real processes): hosts and VMs show, links lead to the host and VM pages with their
/// decision chains, the admin logs in through the form and puts a host in maintenance, and a host
/// killed with SIGKILL turns red on the page. Screenshots are kept under artifacts/browser/.
/// </summary>
public sealed class StatusPageBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ClusterLab _lab = new();
    private string _password = string.Empty;

    public async Task InitializeAsync()
    {
        await _lab.StartApplianceAsync();
        string line = await _lab.Appliance!.WaitForLineAsync(l => l.StartsWith("hawitness: admin password", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        _password = line[(line.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].Trim();
        _lab.StartAgent("host-a");
        _lab.StartAgent("host-b");
        await _lab.WaitForStatusAsync(s => s.GetProperty("vms").GetArrayLength() == 4 && s.GetProperty("vms").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running"),
            "two hosts with four running VMs", TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public void Page_ShowsHostsAndVms_LinksWork_AdminActs_AndAKilledHostTurnsRed()
    {
        var clock = Stopwatch.StartNew();
        using var chromium = new Chromium();
        var web = chromium.Driver_;
        string root = _lab.Url!.ToString().TrimEnd('/');

        web.Navigate().GoToUrl(root + "/");
        var hosts = web.FindElements(By.CssSelector("#hosts tbody tr"));
        Assert.Equal(2, hosts.Count);
        Assert.Contains("host-a", hosts[0].Text, StringComparison.Ordinal);
        Assert.Contains("online", hosts[0].Text, StringComparison.Ordinal);
        Assert.Equal(4, web.FindElements(By.CssSelector("#vms tbody tr")).Count);
        Assert.Contains("4 of 4 VMs running", web.FindElement(By.Id("verdict")).Text, StringComparison.Ordinal);
        Assert.Contains("LEASE ONLY", web.FindElement(By.Id("fence-mode")).Text, StringComparison.Ordinal);
        Save(web, "status-page.png");

        web.FindElement(By.LinkText("host-a")).Click();
        Assert.EndsWith("/hosts/host-a", web.Url, StringComparison.Ordinal);
        Assert.Contains("host host-a", web.FindElement(By.TagName("h1")).Text, StringComparison.Ordinal);
        Assert.Contains("AgentJoin", web.FindElement(By.Id("chain")).Text, StringComparison.Ordinal);
        web.FindElement(By.LinkText("host-a-vm01")).Click();
        Assert.EndsWith("/vms/host-a-vm01", web.Url, StringComparison.Ordinal);
        Assert.Contains("VmAdopted", web.FindElement(By.Id("chain")).Text, StringComparison.Ordinal);
        Assert.Contains("host-a-vm01 is running on host-a", web.FindElement(By.Id("answer")).Text, StringComparison.Ordinal);

        // The admin logs in with the form and puts host-b in maintenance from its page.
        web.Navigate().GoToUrl(root + "/login?return=%2Fhosts%2Fhost-b");
        web.FindElement(By.Id("password")).SendKeys(_password);
        web.FindElement(By.Id("login")).Click();
        WaitFor(web, () => web.Url.EndsWith("/hosts/host-b", StringComparison.Ordinal), "the login leads back to host-b");
        web.FindElement(By.Id("maintenance")).Click();
        WaitForText(web, By.Id("message"), "host-b enters maintenance");
        web.FindElement(By.Id("maintenance")).Click(); // now "Exit maintenance"
        WaitForText(web, By.Id("message"), "host-b leaves maintenance");

        // A host dies: the page turns red and names it.
        _lab.Agents["host-a"].Signal(Posix.SIGKILL);
        web.Navigate().GoToUrl(root + "/");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        string verdict = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            web.Navigate().Refresh();
            verdict = web.FindElement(By.Id("verdict")).GetAttribute("class") + " " + web.FindElement(By.Id("hosts")).Text;
            // host-a's own row, red: the table's header says "fenced" whatever the hosts' states.
            if (verdict.Contains("verdict bad", StringComparison.Ordinal)
                && web.FindElements(By.CssSelector("#hosts tr.bad")).Any(r => r.Text.Contains("host-a", StringComparison.Ordinal)
                    && (r.Text.Contains("failed", StringComparison.Ordinal) || r.Text.Contains("fenced", StringComparison.Ordinal))))
            {
                break;
            }

            Thread.Sleep(500);
        }

        Assert.Contains("verdict bad", verdict, StringComparison.Ordinal);
        Assert.Contains(web.FindElements(By.CssSelector("#hosts tr.bad")), r => r.Text.Contains("host-a", StringComparison.Ordinal));
        Assert.Contains("host:host-a", web.FindElement(By.Id("alarms")).Text, StringComparison.Ordinal);
        Assert.Contains("ATTENTION", web.FindElement(By.Id("verdict")).Text, StringComparison.Ordinal);
        Save(web, "status-page-host-failed.png");

        // The admin vouches for host-a from its page (rule 4's escape hatch): the reason is journaled.
        web.Navigate().GoToUrl(root + "/hosts/host-a");
        web.FindElement(By.Id("reason")).SendKeys("disk checked by hand");
        web.FindElement(By.Id("readmit")).Click();
        Assert.Contains("re-admitted on the operator's word (disk checked by hand)", web.FindElement(By.Id("message")).Text, StringComparison.Ordinal);
        output.WriteLine($"browser test took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void Page_OnAPhoneSizedScreen_FitsItsWidth_TablesScrollInsideTheirBoxes()
    {
        using var chromium = new Chromium(390, 844);
        var web = chromium.Driver_;
        web.Navigate().GoToUrl(_lab.Url!.ToString().TrimEnd('/') + "/");

        var js = (IJavaScriptExecutor)web;
        long viewport = Convert.ToInt64(js.ExecuteScript("return window.innerWidth;"), System.Globalization.CultureInfo.InvariantCulture);
        long page = Convert.ToInt64(js.ExecuteScript("return document.documentElement.scrollWidth;"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(page <= viewport, $"the page is {page} px wide on a {viewport} px screen: it would scroll sideways as a whole");
        Assert.True(web.FindElement(By.Id("verdict")).Displayed);
        Assert.Contains("4 of 4 VMs running", web.FindElement(By.Id("verdict")).Text, StringComparison.Ordinal);
        Assert.Equal(2, web.FindElements(By.CssSelector("#hosts tbody tr")).Count);
        Save(web, "status-page-phone.png");
    }

    /// <summary>A form post navigates: the old page's elements go stale under the reader, so read until the new page says it.</summary>
    private static void WaitFor(IWebDriver web, Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is StaleElementReferenceException or NoSuchElementException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"never: {what} (at {web.Url}): {web.FindElement(By.TagName("body")).Text}");
            Thread.Sleep(50);
        }
    }

    private static void WaitForText(IWebDriver web, By by, string text) =>
        WaitFor(web, () => web.FindElement(by).Text.Contains(text, StringComparison.Ordinal), $"'{text}' in {by}");

    private void Save(IWebDriver web, string name)
    {
        string dir = Path.Combine(RepoRoot(), "artifacts", "browser");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        ((ITakesScreenshot)web).GetScreenshot().SaveAsFile(path);
        output.WriteLine("screenshot: " + path);
        Console.WriteLine("screenshot: " + path);
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "HaWitness.sln")))
            {
                return d.FullName;
            }
        }

        return Path.GetTempPath();
    }
}
