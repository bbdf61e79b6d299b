using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace HaWitness.Browser.Tests;

/// <summary>
/// Debian's headless Chromium through Debian's chromedriver (<c>scripts/deps.sh test</c> installs
/// both; nothing is downloaded: the driver's path is given, so Selenium Manager is not asked).
/// A private profile directory per browser, removed on dispose.
/// </summary>
public sealed class Chromium : IDisposable
{
    public const string Binary = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";
    private readonly string _profile = Path.Combine(Path.GetTempPath(), "hawitness-chromium-" + Guid.NewGuid().ToString("N"));

    public Chromium(int width = 1200, int height = 1400)
    {
        if (!File.Exists(Binary) || !File.Exists(Driver))
        {
            throw new InvalidOperationException($"{Binary} and {Driver} are needed: run scripts/deps.sh test (Debian packages chromium, chromium-driver)");
        }

        var options = new ChromeOptions { BinaryLocation = Binary };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", $"--window-size={width},{height}", "--user-data-dir=" + _profile);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver_ = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        Driver_.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
    }

    public IWebDriver Driver_ { get; }

    public void Dispose()
    {
        try
        {
            Driver_.Quit();
        }
        catch (WebDriverException)
        {
            // the browser is gone already
        }

        Driver_.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
