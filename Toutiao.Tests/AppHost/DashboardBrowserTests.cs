using System.Net;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.AppHost;

/// <summary>
/// The real Aspire dashboard in headless Chromium, driven by ChromeDriver (Debian's chromium and
/// chromium-driver): log in with the URL the AppHost printed, see the resources, open a feed
/// request's trace. Screenshots go to <c>TestResults/screenshots</c>.
/// </summary>
[Collection(ToutiaoAppCollection.Name)]
public sealed class DashboardBrowserTests(ToutiaoAppFixture fixture) : IDisposable
{
    private readonly HeadlessChromium _chromium = new();

    private OpenQA.Selenium.IWebDriver Browser => _chromium.Driver;

    [Fact]
    public async Task Logged_in_with_its_login_url_the_dashboard_shows_every_resource_and_a_feed_trace_from_web_and_reco()
    {
        var login = fixture.DashboardLoginUrl.ToString();

        // Without the token the dashboard asks for one.
        Browser.Navigate().GoToUrl(new Uri(new Uri(login), "/").ToString());
        WaitForText("token");

        Browser.Navigate().GoToUrl(login);
        var resources = WaitForText("redis", "mysql", "toutiao", "toutiao-init", "reco", "web", "Running", "Finished");
        Assert.DoesNotContain("Unhealthy", resources);
        Assert.DoesNotContain("Failed", resources);
        Screenshot("resources");

        var trace = TestTrace.New();
        var (response, _) = await fixture.FreshPageAsync(channel: 4, trace);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The detail page shows a trace that has arrived; it does not wait for one that has not.
        var spans = await fixture.CompleteFeedTraceAsync(trace, expectMySql: false);
        Assert.Contains(spans, s => s.Of("reco"));
        Browser.Navigate().GoToUrl(new Uri(new Uri(login), $"/traces/detail/{trace.TraceId.ToHexString()}").ToString());
        WaitForText("web", "reco", "UserRecommend/user_recommend", "article_cache read", "reco recall", "DATA redis");
        Screenshot("trace");

        // One resource's logs: on the page of all of them, two Webs' start-up logs push Reco's out of view.
        // The instance that took the rebuild's lock (reco or reco-2) logs it; its console, which the
        // AppHost logs under its name, says which.
        var rebuilder = fixture.AppHostLog.Lines.Any(line => line.Contains("Resources.reco-2:", StringComparison.Ordinal) && line.Contains("Rebuilt recall sets", StringComparison.Ordinal))
            ? "reco-2" : "reco";
        Browser.Navigate().GoToUrl(new Uri(new Uri(login), $"/structuredlogs/resource/{rebuilder}").ToString());
        WaitForText(rebuilder, "Rebuilt recall sets");
        Screenshot("structured-logs");
    }

    private string WaitForText(params string[] texts) => _chromium.WaitForText(texts);

    private void Screenshot(string name) => _chromium.Screenshot(name);

    public void Dispose() => _chromium.Dispose();
}
