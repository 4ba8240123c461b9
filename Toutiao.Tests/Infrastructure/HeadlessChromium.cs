using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Toutiao.Tests.Infrastructure;

/// <summary>Debian's headless Chromium driven by its ChromeDriver, for tests of pages; screenshots go to <c>TestResults/screenshots</c>.</summary>
public sealed class HeadlessChromium : IDisposable
{
    public static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(45);

    public ChromeDriver Driver { get; } = Start();

    /// <summary>Waits until the page shows every text (nothing is reloaded: the pages update themselves).</summary>
    public string WaitForText(params string[] texts)
    {
        var body = "";
        try
        {
            Wait().Until(driver =>
            {
                body = driver.FindElement(By.TagName("body")).Text;
                return texts.All(text => body.Contains(text, StringComparison.OrdinalIgnoreCase));
            });
        }
        catch (WebDriverTimeoutException)
        {
            Screenshot("timeout-" + DateTime.UtcNow.Ticks);
            Assert.Fail($"{Driver.Url} did not show [{string.Join(", ", texts.Where(t => !body.Contains(t, StringComparison.OrdinalIgnoreCase)))}]; it shows: {body}");
        }

        return body;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling the page (the browser has no event to await from here).</summary>
    public void Until(Func<IWebDriver, bool> condition) => Until(driver => condition(driver) ? "" : null);

    /// <summary>Waits until <paramref name="value"/> is not null, and returns it.</summary>
    public T Until<T>(Func<IWebDriver, T?> value) where T : class
    {
        try
        {
            return Wait().Until(value)!;
        }
        catch (WebDriverTimeoutException)
        {
            Screenshot("timeout-" + DateTime.UtcNow.Ticks);
            throw new Xunit.Sdk.XunitException($"{Driver.Url} never got there; it shows: {Driver.FindElement(By.TagName("body")).Text}");
        }
    }

    private WebDriverWait Wait() => new(Driver, PageTimeout) { PollingInterval = TimeSpan.FromMilliseconds(100) };

    public void Screenshot(string name)
    {
        var directory = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        Driver.GetScreenshot().SaveAsFile(Path.Combine(directory, $"{name}.png"));
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Toutiao.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }

    private static ChromeDriver Start()
    {
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1600,1000",
            // No network but loopback here: keep Chromium from calling home.
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public void Dispose() => Driver.Quit();
}
