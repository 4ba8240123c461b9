extern alias reco;

using System.Net;
using OpenQA.Selenium;
using StackExchange.Redis;
using Toutiao.Tests.Infrastructure;
using UserFeedHistory = reco::Toutiao.Reco.History.UserFeedHistory;

namespace Toutiao.Tests.ReaderPage;

/// <summary>
/// The reader page Web serves at <c>/</c>, driven in headless Chromium as a reader would: the feed,
/// sign-in, channels, history by scrolling, refresh, an article, a like, and its click and read
/// applied by Reco.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class ReaderPageBrowserTests(ToutiaoFixture fixture) : IDisposable
{
    private readonly HeadlessChromium _chromium = new();

    private IWebDriver Browser => _chromium.Driver;

    [Fact]
    public async Task A_reader_browses_signs_in_scrolls_back_in_history_opens_and_likes_an_article()
    {
        // A phone's screen: ten articles fill it, so the next page waits for the reader to scroll.
        Browser.Manage().Window.Size = new System.Drawing.Size(390, 700);
        Browser.Navigate().GoToUrl(fixture.WebClient.BaseAddress!.ToString());
        _chromium.WaitForText("推荐", "刷新");
        var anonymous = _chromium.Until(_ => FeedIds(expect: 10));

        // Sign in with the development code: the feed becomes the signed-in reader's.
        var mobile = "139" + Random.Shared.Next(10_000_000, 99_999_999);
        Browser.FindElement(By.Id("mobile")).SendKeys(mobile);
        Browser.FindElement(By.Id("get-code")).Click();
        _chromium.Until(d => d.FindElement(By.Id("code")).GetDomProperty("value")!.Length == 6);
        Browser.FindElement(By.Id("log-in")).Click();
        _chromium.WaitForText(mobile, "退出");
        var userId = await UserIdAsync(mobile);
        // The token is the tab's: in session storage, never in local storage.
        var token = (string?)((IJavaScriptExecutor)Browser).ExecuteScript("return sessionStorage.getItem('toutiao.token')");
        Assert.False(string.IsNullOrEmpty(token));
        Assert.Null(((IJavaScriptExecutor)Browser).ExecuteScript("return localStorage.getItem('toutiao.token')"));
        // A new reader's first page is the top of the ranking, signed in or not: compare with what Reco recorded.
        var firstPage = await ShowsNewPageAsync(userId, channel: 0, seen: []);

        // Another channel: its articles.
        var channel3 = await RecordedPagesAsync(userId, 3);
        Browser.FindElement(By.CssSelector("#channels button[data-channel-id='3']")).Click();
        var channelPage = await ShowsNewPageAsync(userId, channel: 3, seen: channel3);
        foreach (var id in channelPage)
        {
            Assert.Equal(3, (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{id}")).Data.GetProperty("channel_id").GetInt32());
        }

        // Back later: a fresh page on top, and scrolling down brings back the page read before.
        var channel0 = await RecordedPagesAsync(userId, 0);
        Browser.Navigate().Refresh();
        var secondPage = await ShowsNewPageAsync(userId, channel: 0, seen: channel0);
        ((IJavaScriptExecutor)Browser).ExecuteScript("document.getElementById('more').scrollIntoView()");
        var scrolled = _chromium.Until(_ => FeedIds(expect: 20));
        Assert.Equal(secondPage.Concat(firstPage), scrolled);

        // Pull to refresh: ten more, none seen before.
        Browser.FindElement(By.Id("refresh")).Click();
        var refreshed = _chromium.Until(_ => FeedIds(expect: 30));
        Assert.Equal(30, refreshed.Distinct().Count());

        // Read an article and like it: the count shown is the server's.
        var article = refreshed[0];
        using var applied = new MeasurementSignal("Toutiao.Reco", "toutiao.behaviors", new("outcome", "applied"), 2, fixture.Reco.Services);
        Browser.FindElement(By.CssSelector($"#feed li[data-article-id='{article}']")).Click();
        var likes = long.Parse(_chromium.Until(d => d.FindElement(By.Id("detail-meta")).Text.Length > 0 ? d.FindElement(By.Id("like-count")).Text : null));
        Browser.FindElement(By.Id("like")).Click();
        _chromium.Until(d => d.FindElement(By.Id("like-count")).Text == (likes + 1).ToString());
        Browser.FindElement(By.Id("back")).Click();
        _chromium.Until(d => d.FindElement(By.Id("feed")).Displayed);

        // The click and the read went through the stream and were applied: never offered again.
        await applied.Reached.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotNull(await fixture.Redis.GetDatabase().SortedSetScoreAsync(UserFeedHistory.ServedKey(userId.ToString(), 0), article));
        Assert.Equal(HttpStatusCode.OK, (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}")).Status);
        _chromium.Screenshot("reader-page");

        // All of it ran under the page's content security policy; signing out ends the sign-in on the server.
        using (var page = await fixture.WebClient.GetAsync("/"))
        {
            Assert.Equal(Toutiao.Web.ReaderPage.ReaderPageExtensions.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        }

        Browser.FindElement(By.Id("log-out")).Click();
        _chromium.Until(d => d.FindElement(By.Id("sign-in")).Displayed);
        Assert.Null(((IJavaScriptExecutor)Browser).ExecuteScript("return sessionStorage.getItem('toutiao.token')"));
        await fixture.WebService<Toutiao.Web.Auth.SessionGuard>().NextCheckAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", Api.Bearer(token))).Status);
    }

    /// <summary>The article ids in the feed, top to bottom, once there are <paramref name="expect"/> of them; else null.</summary>
    private List<long>? FeedIds(int expect)
    {
        var ids = Browser.FindElements(By.CssSelector("#feed li")).Select(li => long.Parse(li.GetDomAttribute("data-article-id")!)).ToList();
        return ids.Count == expect ? ids : null;
    }

    /// <summary>
    /// Waits until Reco has recorded a page of the reader in the channel that is not one of
    /// <paramref name="seen"/>, and the feed shows it (and nothing else); returns its ids.
    /// </summary>
    private async Task<List<long>> ShowsNewPageAsync(long userId, int channel, IReadOnlyCollection<string> seen)
    {
        var deadline = DateTime.UtcNow + HeadlessChromium.PageTimeout;
        string? page;
        while ((page = (await RecordedPagesAsync(userId, channel)).FirstOrDefault(p => !seen.Contains(p))) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "Reco recorded no new page.");
            await Task.Delay(20);
        }

        // A page is recorded as "<timestamp>:<id>,<id>,...".
        var ids = page.Split(':')[1].Split(',').Select(long.Parse).ToList();
        try
        {
            _chromium.Until(_ => FeedIds(expect: 10) is { } shown && shown.SequenceEqual(ids));
        }
        catch (Xunit.Sdk.XunitException)
        {
            var shown = Browser.FindElements(By.CssSelector("#feed li")).Select(li => li.GetDomAttribute("data-article-id"));
            Assert.Fail($"The feed shows [{string.Join(",", shown)}]; Reco recorded [{string.Join(" | ", await RecordedPagesAsync(userId, channel))}]");
        }

        return ids;
    }

    /// <summary>The reader's recorded pages in a channel, newest first.</summary>
    private async Task<List<string>> RecordedPagesAsync(long userId, int channel)
        => (await fixture.Redis.GetDatabase().SortedSetRangeByRankAsync(UserFeedHistory.PagesKey(userId.ToString(), channel), 0, -1, Order.Descending))
            .Select(p => (string)p!).ToList();

    private async Task<long> UserIdAsync(string mobile)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT user_id FROM user_basic WHERE mobile = @m");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@m", mobile));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public void Dispose() => _chromium.Dispose();
}
