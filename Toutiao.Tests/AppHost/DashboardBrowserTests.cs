using System.Diagnostics;
using Toutiao.Tests.Infrastructure;
using System.Net;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Toutiao.Tests.AppHost;

/// <summary>
/// The real Aspire dashboard in headless Chromium, driven by ChromeDriver (Debian's chromium and
/// chromium-driver): log in with the URL the AppHost printed, see the resources, open a feed
/// request's trace. Screenshots go to <c>TestResults/screenshots</c>.
/// </summary>
[Collection(ToutiaoAppCollection.Name)]
public sealed class DashboardBrowserTests(ToutiaoAppFixture fixture) : IDisposable
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(45);
    private readonly ChromeDriver _browser = StartBrowser();

    [Fact]
    public async Task Logged_in_with_its_login_url_the_dashboard_shows_every_resource_and_a_feed_trace_from_web_and_reco()
    {
        var login = fixture.DashboardLoginUrl.ToString();

        // Without the token the dashboard asks for one.
        _browser.Navigate().GoToUrl(new Uri(new Uri(login), "/").ToString());
        WaitForText("token");

        _browser.Navigate().GoToUrl(login);
        var resources = WaitForText("redis", "mysql", "toutiao", "toutiao-init", "reco", "web", "Running", "Finished");
        Assert.DoesNotContain("Unhealthy", resources);
        Assert.DoesNotContain("Failed", resources);
        Screenshot("resources");

        var trace = TestTrace.New();
        var (response, _) = await fixture.FreshPageAsync(channel: 4, trace);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The detail page shows a trace that has arrived; it does not wait for one that has not.
        var spans = await fixture.CompleteFeedTraceAsync(trace, expectMySql: false);
        Assert.Contains(spans, s => s.Service == "reco");
        _browser.Navigate().GoToUrl(new Uri(new Uri(login), $"/traces/detail/{trace.TraceId.ToHexString()}").ToString());
        WaitForText("web", "reco", "UserRecommend/user_recommend", "article_cache read", "reco recall", "DATA redis");
        Screenshot("trace");

        _browser.Navigate().GoToUrl(new Uri(new Uri(login), "/structuredlogs").ToString());
        WaitForText("web", "reco");
        Screenshot("structured-logs");
    }

    /// <summary>Waits until the page shows every text, reloading nothing: Blazor Server pushes updates.</summary>
    private string WaitForText(params string[] texts)
    {
        var body = "";
        var wait = new WebDriverWait(_browser, PageTimeout) { PollingInterval = TimeSpan.FromMilliseconds(250) };
        try
        {
            wait.Until(driver =>
            {
                body = driver.FindElement(By.TagName("body")).Text;
                return texts.All(text => body.Contains(text, StringComparison.OrdinalIgnoreCase));
            });
        }
        catch (WebDriverTimeoutException)
        {
            Screenshot("timeout-" + DateTime.UtcNow.Ticks);
            Assert.Fail($"{_browser.Url} did not show [{string.Join(", ", texts.Where(t => !body.Contains(t, StringComparison.OrdinalIgnoreCase)))}]; it shows: {body}");
        }

        return body;
    }

    private void Screenshot(string name)
    {
        var directory = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        _browser.GetScreenshot().SaveAsFile(Path.Combine(directory, $"{name}.png"));
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

    private static ChromeDriver StartBrowser()
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

    public void Dispose() => _browser.Quit();
}
