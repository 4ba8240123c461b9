using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toutiao.AppHost.Hosting.Orchestration;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Dashboard;

/// <summary>
/// The dashboard end to end in a real headless Chromium, against the real AppHost process.
/// Screenshots of every page go to <c>TestResults/screenshots</c>.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed partial class DashboardBrowserTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("toutiao-dashboard-").FullName;
    private readonly string _token = Guid.NewGuid().ToString("N");
    private readonly int _dashboardPort = Ports.Free();
    private readonly int _webPort = Ports.Free();
    private readonly int _recoPort = Ports.Free();
    private AppHostProcess? _appHost;

    private string Dashboard => $"http://localhost:{_dashboardPort}";

    private string Page(string route) => $"{Dashboard}/login?t={_token}&next={Uri.EscapeDataString("/#/" + route)}";

    [Fact]
    public async Task Log_in_see_resources_follow_a_feed_request_into_its_trace_and_read_consoles()
    {
        _appHost = AppHostProcess.Start(_state, _dashboardPort, _token,
            [$"--Ports:web={_webPort}", $"--Ports:reco={_recoPort}", "--AppHost:BuildProjects=false"]);
        using var api = _appHost.Dashboard();
        await _appHost.WaitUntilAllHealthyAsync(api);

        // Without the token the pages and the API are refused.
        var loggedOut = await HeadlessChromium.DumpDomAsync($"{Dashboard}/#/resources");
        Assert.Contains("Open the login link", loggedOut);
        Assert.DoesNotContain("Running", loggedOut);
        using (var anonymous = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"{Dashboard}/api/resources")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"{Dashboard}/login?t=wrong")).StatusCode);
        }

        // Resources: every one Running and Healthy.
        var resources = await HeadlessChromium.DumpDomAsync(Page("resources"));
        foreach (var name in new[] { "redis", "mysql", "toutiao", "reco", "web" })
        {
            // Within the resource's own row.
            Assert.Matches(new Regex($"<td>{name}</td>(?:(?!</tr>).)*?<span class=\"state Running\">Running</span>(?:(?!</tr>).)*?<td class=\"Healthy\">Healthy</td>",
                RegexOptions.Singleline), resources);
        }

        await HeadlessChromium.ScreenshotAsync(Page("resources"), Screenshot("resources"));

        // The environment a process got, by its link: secrets masked until revealed, the rest plain.
        var environment = await HeadlessChromium.DumpDomAsync(Page("resources/web"));
        Assert.Contains("<h1>Environment of web</h1>", environment);
        foreach (var secret in new[] { "ConnectionStrings__redis", "ConnectionStrings__toutiao", "OTEL_EXPORTER_OTLP_HEADERS" })
        {
            Assert.Matches($"<td>{secret}</td><td><span class=\"masked\" data-value=\"[^\"]+\">••••••••</span> <button class=\"reveal\">Reveal</button></td>", environment);
        }

        Assert.Contains("<td>ASPNETCORE_ENVIRONMENT</td><td>Development</td>", environment);
        Assert.Contains("<td>services__reco__http__0</td><td>http://localhost:", environment);

        // A feed request on a cold cache: its trace holds Web and Reco, the cache and MySQL.
        var traceId = await TracedFeedRequestAsync(HttpStatusCode.OK);
        await WaitForTraceAsync(api, traceId);
        var waterfall = await HeadlessChromium.DumpDomAsync(Page($"traces/{traceId}"));
        Assert.Contains("web: GET /v1_1/articles", waterfall);
        Assert.Matches("class=\"chip\"[^>]*>reco<", waterfall);
        Assert.Matches("class=\"chip\"[^>]*>web<", waterfall);
        Assert.Contains("RPC UserRecommend/user_recommend OK", waterfall);
        Assert.Contains("article_cache read", waterfall);
        Assert.Contains("DATA redis EVALSHA", waterfall);
        Assert.Contains("DATA mysql", waterfall);
        Assert.True(SpanRow().Matches(waterfall).Count >= 10, "the waterfall shows too few spans");
        await HeadlessChromium.ScreenshotAsync(Page($"traces/{traceId}"), Screenshot("trace"));

        // A span's side panel, opened by its link: attributes, events, links and the sender's resource.
        var mysqlSpan = (await api.GetFromJsonAsync<JsonElement>($"/api/traces/{traceId}")).GetProperty("spans").EnumerateArray()
            .First(s => s.GetProperty("summary").GetString() == "DATA mysql").GetProperty("spanId").GetString();
        var panel = await HeadlessChromium.DumpDomAsync(Page($"traces/{traceId}/{mysqlSpan}"));
        Assert.Contains($"class=\"span-row selected\" data-id=\"{mysqlSpan}\"", panel);
        Assert.Matches(new Regex("<aside id=\"details\">(?:(?!</aside>).)*<h3>Attributes</h3>(?:(?!</aside>).)*db\\.system(?:(?!</aside>).)*<h3>Events</h3>"
            + "(?:(?!</aside>).)*<h3>Links</h3>(?:(?!</aside>).)*<h3>Resource</h3>(?:(?!</aside>).)*service\\.name</td><td>web</td>", RegexOptions.Singleline), panel);
        await HeadlessChromium.ScreenshotAsync(Page($"traces/{traceId}/{mysqlSpan}"), Screenshot("span"));

        var traces = await HeadlessChromium.DumpDomAsync(Page("traces"));
        Assert.Contains(traceId, traces);
        await HeadlessChromium.ScreenshotAsync(Page("traces"), Screenshot("traces"));

        // Console logs of Reco.
        var console = await HeadlessChromium.DumpDomAsync(Page("console/reco"));
        Assert.Contains("[reco]", console);
        Assert.Contains("Rebuilt recall sets", console);
        await HeadlessChromium.ScreenshotAsync(Page("console/reco"), Screenshot("console"));

        // Structured logs and metrics render too.
        var logs = await HeadlessChromium.DumpDomAsync(Page("logs"));
        Assert.Contains("Loaded counters of", logs);
        await HeadlessChromium.ScreenshotAsync(Page("logs"), Screenshot("logs"));
        Assert.Contains("toutiao.feed.requests", await HeadlessChromium.DumpDomAsync(Page("metrics")));
        var chart = await HeadlessChromium.DumpDomAsync(Page("metrics/web/toutiao.feed.requests"));
        Assert.Contains("<polyline", chart);
        await HeadlessChromium.ScreenshotAsync(Page("metrics/web/toutiao.feed.requests"), Screenshot("metrics"));

        // A log written inside a request links to its trace: with Reco stopped, Web's warning about
        // the failed call carries the request's trace id; started again, Reco comes back healthy.
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/resources/reco/stop", null)).StatusCode);
        var failingTraceId = await TracedFeedRequestAsync(HttpStatusCode.ServiceUnavailable);
        var warning = await WaitForLogAsync(api, failingTraceId, "Reco call failed");
        var logPage = await HeadlessChromium.DumpDomAsync(Page($"logs/{warning.GetProperty("id").GetInt64()}"));
        Assert.Contains($"<a href=\"#/traces/{failingTraceId}\">", logPage);
        Assert.Matches(new Regex($"<aside id=\"details\">(?:(?!</aside>).)*Reco call failed with Unavailable(?:(?!</aside>).)*#/traces/{failingTraceId}/"
            + "(?:(?!</aside>).)*<h3>Attributes</h3>(?:(?!</aside>).)*StatusCode</td><td>Unavailable</td>", RegexOptions.Singleline), logPage);
        await HeadlessChromium.ScreenshotAsync(Page($"logs/{warning.GetProperty("id").GetInt64()}"), Screenshot("log"));
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/resources/reco/start", null)).StatusCode);
        await _appHost.WaitUntilAllHealthyAsync(api);

        // Actions: a restart of Web counts, and Web comes back healthy.
        var restarted = await api.PostAsync("/api/resources/web/restart", null);
        Assert.Equal(HttpStatusCode.OK, restarted.StatusCode);
        await _appHost.WaitUntilAllHealthyAsync(api);
        var webResource = (await api.GetFromJsonAsync<List<JsonElement>>("/api/resources"))!.Single(r => r.GetProperty("name").GetString() == "web");
        Assert.Equal(1, webResource.GetProperty("instances")[0].GetProperty("restartCount").GetInt32());
    }

    /// <summary>The services export every second; wait until both sides and the MySQL span are in.</summary>
    private static async Task WaitForTraceAsync(HttpClient api, string traceId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await api.GetAsync($"/api/traces/{traceId}");
            if (response.IsSuccessStatusCode)
            {
                var spans = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("spans").EnumerateArray().ToList();
                if (spans.Any(s => s.GetProperty("service").GetString() == "reco")
                    && spans.Any(s => s.GetProperty("summary").GetString() == "DATA mysql")
                    && spans.Any(s => s.GetProperty("kind").GetString() == "Server" && s.GetProperty("service").GetString() == "web"))
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"trace {traceId} did not arrive complete");
            await Task.Delay(250);
        }
    }

    /// <summary>A feed request under a trace id of the test's own, so its trace and logs can be found.</summary>
    private async Task<string> TracedFeedRequestAsync(HttpStatusCode expected)
    {
        var trace = TestTrace.New();
        using (trace.Begin())
        using (var web = new HttpClient())
        {
            var feed = await web.GetAsync($"http://localhost:{_webPort}/v1_1/articles?channel_id=5&timestamp={Api.Now()}");
            Assert.Equal(expected, feed.StatusCode);
        }

        return trace.TraceId.ToHexString();
    }

    private static async Task<JsonElement> WaitForLogAsync(HttpClient api, string traceId, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var logs = await api.GetFromJsonAsync<List<JsonElement>>($"/api/logs?traceId={traceId}&text={Uri.EscapeDataString(text)}");
            if (logs is [var log, ..])
            {
                return log;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no log \"{text}\" of trace {traceId} arrived");
            await Task.Delay(250);
        }
    }

    private static string Screenshot(string name) => Path.Combine("TestResults", "screenshots", $"{name}.png");

    [GeneratedRegex("class=\"span-row")]
    private static partial Regex SpanRow();

    public void Dispose()
    {
        _appHost?.Dispose();
        TestAppHost.DeleteDirectory(_state);
    }
}
