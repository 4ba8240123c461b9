using System.Diagnostics;
using Microsoft.Playwright;
using Toutiao.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Toutiao.Tests.App.CourseApp;

/// <summary>
/// The course's mobile app (lipengzhou/toutiao-m, built unmodified: <c>shared/realclient/toutiao-m</c>
/// beside the repository) used as a reader uses it, in headless Chromium against this backend: its
/// <c>dist/</c> served with <c>/api</c> and <c>/images</c> passed to Web. Fails on any step that does
/// not work, any call answered 5xx and any uncaught error in the page.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class CourseAppDriveTests(ToutiaoFixture fixture, ITestOutputHelper output)
{
    /// <summary>A 16×16 PNG: the reader's new photo.</summary>
    private static readonly byte[] Photo = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGUlEQVR4nGP4z8DwnxLMMGrAqAGjBgwXAwCwqf8Bx8H2RwAAAABJRU5ErkJggg==");

    [Fact]
    public async Task The_course_app_works_against_this_backend_in_24_steps()
    {
        var dist = CourseAppHost.FindDist();
        // Step 14 searches: the fixture's Web builds its index in the background.
        await fixture.SearchBuiltAsync();
        await using var host = await CourseAppHost.StartAsync(dist, fixture.WebClient.BaseAddress!);
        await using var drive = await CourseAppDrive.StartAsync(host.Address, output);
        var page = drive.Page;
        var watch = Stopwatch.StartNew();

        // Anonymous: home, another channel, scrolling, an article.
        await drive.StepAsync("01-home", async () =>
        {
            await drive.GoAsync("/");
            await page.Locator(".article-item").First.WaitForAsync();
        }, needed: true);
        await drive.StepAsync("02-channel", () =>
            drive.CallAsync("GET", "/v1_1/articles", () => page.Locator(".van-tab").Nth(2).ClickAsync(), "the third channel's first page"));
        await drive.StepAsync("03-scroll", async () =>
        {
            // Two pages further down, each the page before the last one's pre_timestamp.
            for (var i = 0; i < 2; i++)
            {
                var older = await drive.CallAsync("GET", "/v1_1/articles",
                    () => page.EvaluateAsync("window.scrollTo(0, document.body.scrollHeight)"), "scrolling loaded no older page");
                var results = (await older.JsonAsync())?.GetProperty("data").GetProperty("results").GetArrayLength();
                if (results is not > 0)
                {
                    throw new StepFailedException($"scrolling loaded an empty page: {older.Url}");
                }
            }
        });
        await drive.StepAsync("04-article", async () =>
        {
            await page.Locator(".article-item").First.DispatchEventAsync("click");
            await page.Locator(".markdown-body").WaitForAsync();
        });

        // Sign in with a code: the app asks for one; the development endpoint hands out a fresh one.
        var mobile = "136" + Random.Shared.Next(10_000_000, 99_999_999);
        await drive.StepAsync("05-login", async () =>
        {
            await drive.GoAsync("/#/login");
            await page.Locator("input[placeholder=\"请输入手机号\"]").FillAsync(mobile);
            await drive.CallAsync("GET", "/v1_0/sms/codes/{n}", () => drive.ByText("button", "获取验证码").ClickAsync(), "asking for a code");
            var code = (await fixture.WebClient.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}")).Data.GetProperty("code").GetString()!;
            await page.Locator("input[placeholder=\"请输入验证码\"]").FillAsync(code);
            await drive.CallAsync("POST", "/v1_0/authorizations", () => drive.ByText("button", "登录").ClickAsync(), "signing in");
            try
            {
                await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
            }
            catch (TimeoutException)
            {
                throw new StepFailedException("still on the login page");
            }
        }, needed: true);

        // Signed in: read, follow, like, collect, comment, like a comment, reply.
        string? articleUrl = null;
        string Article() => articleUrl ?? throw new StepFailedException("no article: 06-article-signed-in opened none");
        await drive.StepAsync("06-article-signed-in", async () =>
        {
            await drive.GoAsync("/");
            await page.Locator(".article-item").Nth(1).DispatchEventAsync("click");
            await page.Locator(".markdown-body").WaitForAsync();
            articleUrl = page.Url;
        });
        await drive.StepAsync("07-follow", async () =>
        {
            await drive.CallAsync("POST", "/v1_0/user/followings", () => drive.ByText("button", "关注").ClickAsync(), "following the author");
            await drive.ExpectTextAsync("已关注");
        });
        await drive.StepAsync("08-like-collect", async () =>
        {
            await drive.CallAsync("POST", "/v1_0/article/likings", () => page.Locator(".footer .van-icon-good-job-o").ClickAsync(), "liking the article");
            await drive.CallAsync("POST", "/v1_0/article/collections", () => page.Locator(".footer .van-icon-star-o").ClickAsync(), "collecting the article");
            await page.Locator(".footer .van-icon-good-job").WaitForAsync();
            await page.Locator(".footer .van-icon-star").WaitForAsync();
        });
        var comment = "写得真好 " + Api.Now();
        await drive.StepAsync("09-comment", async () =>
        {
            await drive.ByText("button", "写评论").ClickAsync();
            await page.Locator(".post-comment textarea").FillAsync(comment);
            await drive.CallAsync("POST", "/v1_0/comments", () => drive.ByText(".post-btn", "发布").ClickAsync(), "posting a comment");
            await drive.ExpectTextAsync(comment);
        });
        await drive.StepAsync("10-comment-like", async () =>
        {
            await drive.CallAsync("POST", "/v1_0/comment/likings", () => page.Locator(".comment-item .like-container .van-icon").First.ClickAsync(), "liking the comment");
            await page.Locator(".comment-item .like-container .van-icon-good-job").First.WaitForAsync();
        });
        await drive.StepAsync("11-reply", async () =>
        {
            await drive.ByText(".comment-item button", "回复").ClickAsync();
            // The replies open in a popup of their own, with their own "write" button and comment box.
            var replies = page.Locator(".van-popup", new PageLocatorOptions { HasText = "条回复" });
            await replies.Locator("button", new LocatorLocatorOptions { HasText = "写评论" }).ClickAsync();
            await replies.Locator(".post-comment textarea").FillAsync("同意");
            await drive.CallAsync("POST", "/v1_0/comments", () => replies.Locator(".post-btn").ClickAsync(), "posting a reply");
            await Assertions.Expect(replies).ToContainTextAsync("1条回复");
        });
        await drive.StepAsync("12-article-again", async () =>
        {
            await drive.ReloadAtAsync(Article());
            await page.Locator(".markdown-body").WaitForAsync();
            await page.Locator(".footer .van-icon-good-job").WaitForAsync();
            await page.Locator(".footer .van-icon-star").WaitForAsync();
            await drive.ExpectTextAsync("已关注");
            await drive.ExpectTextAsync(comment);
        });

        // The channel editor: a recommended channel added, then deleted, both seen through the API.
        await drive.StepAsync("13-channels", async () =>
        {
            await drive.GoAsync("/");
            await page.Locator(".wap-nav").ClickAsync();
            var grids = page.Locator(".channel-container .van-grid");
            var recommended = grids.Nth(1).Locator(".van-grid-item__content").First;
            var added = (await recommended.InnerTextAsync()).Trim();
            await drive.CallAsync("PATCH", "/v1_0/user/channels", () => recommended.ClickAsync(), $"adding channel {added}");
            var token = await page.EvaluateAsync<string>("() => JSON.parse(localStorage.getItem('user')).token");
            async Task<List<string>> MineAsync() => (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/channels", Api.Bearer(token)))
                .Data.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
            if (!(await MineAsync()).Contains(added))
            {
                throw new StepFailedException($"channel {added} not added");
            }

            await drive.ByText(".channel-container button", "编辑").ClickAsync();
            await drive.CallAsync("DELETE", "/v1_0/user/channels/{n}",
                () => grids.Nth(0).GetByText(added, new LocatorGetByTextOptions { Exact = true }).ClickAsync(), $"deleting channel {added}");
            if ((await MineAsync()).Contains(added))
            {
                throw new StepFailedException($"channel {added} not removed");
            }
        });

        // Search, the reader's pages, the profile.
        await drive.StepAsync("14-search", async () =>
        {
            await drive.GoAsync("/#/search");
            var box = page.Locator(".search-form input");
            await drive.CallAsync("GET", "/v1_0/suggestion", () => box.FillAsync("读懂"), "suggestions for 读懂");
            await drive.CallAsync("GET", "/v1_0/search", () => box.PressAsync("Enter"), "searching for 读懂");
            await drive.ExpectTextAsync("一文读懂");
        });
        // A new account's name is generated, never the mobile number (issue 24): the app shows what the API says.
        var generatedName = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user",
            Api.Bearer(fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(await UserIdOfAsync(mobile), refresh: false)))).Data.GetProperty("name").GetString()!;
        Assert.DoesNotContain(mobile, generatedName);
        await drive.StepAsync("15-my", async () =>
        {
            await drive.GoAsync("/#/my");
            await drive.ExpectTextAsync(generatedName);
        });
        var name = "读者" + Random.Shared.Next(1000, 10_000);
        await drive.StepAsync("16-profile-name", async () =>
        {
            // The name editor reads the loaded profile: opened before it arrives, the app fails
            // (seen once under a full suite's load), so the cell must show the current name first.
            await drive.CallAsync("GET", "/v1_0/user/profile", () => drive.GoAsync("/#/user/profile"), "loading the profile");
            await Assertions.Expect(drive.ByText(".van-cell", "昵称")).ToContainTextAsync(generatedName);
            await drive.ByText(".van-cell", "昵称").ClickAsync();
            await page.Locator(".van-popup .van-field textarea").FillAsync(name);
            await drive.CallAsync("PATCH", "/v1_0/user/profile", () => drive.ByText(".van-nav-bar__right", "完成").ClickAsync(), "saving the name");
        });
        await drive.StepAsync("17-profile-gender", async () =>
        {
            await drive.ByText(".van-cell", "性别").ClickAsync();
            await drive.ByText(".van-picker-column__item", "女").ClickAsync();
            await drive.CallAsync("PATCH", "/v1_0/user/profile", () => drive.ByText(".van-picker__confirm", "确认").ClickAsync(), "saving the gender");
        });
        await drive.StepAsync("18-profile-birthday", async () =>
        {
            await drive.ByText(".van-cell", "生日").ClickAsync();
            await drive.CallAsync("PATCH", "/v1_0/user/profile", () => drive.ByText(".van-picker__confirm", "完成").ClickAsync(), "saving the birthday");
        });
        await drive.StepAsync("19-profile-photo", async () =>
        {
            await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = Photo });
            // The cropper can crop once it has built its box around the loaded image.
            await page.Locator(".cropper-crop-box").WaitForAsync();
            await drive.CallAsync("PATCH", "/v1_0/user/photo", () => drive.ByText(".crop-bottom span", "完成").ClickAsync(), "saving the photo");
        });
        await drive.StepAsync("20-profile-again", async () =>
        {
            await drive.ReloadAtAsync(new Uri(host.Address, "/#/user/profile").ToString());
            // The name first: before the profile is loaded the gender cell shows 女 for anyone.
            await Assertions.Expect(drive.ByText(".van-cell", "昵称")).ToContainTextAsync(name);
            await Assertions.Expect(drive.ByText(".van-cell", "性别")).ToContainTextAsync("女");
        });
        await drive.StepAsync("21-collections-history", async () =>
        {
            // This build cannot show these lists (CourseAppDrive.KnownAppDefect): what the drive can
            // check is that the app asks for them and gets the article it collected and read.
            var collections = await drive.CallAsync("GET", "/v1_0/article/collections", () => drive.GoAsync("/#/my-article/collect"), "opening the collections");
            await ExpectArticleAsync(collections, Article(), "the collections");
            var history = await drive.CallAsync("GET", "/v1_0/user/histories", () => drive.ByText(".van-tab", "历史").ClickAsync(), "opening the history");
            await ExpectArticleAsync(history, Article(), "the history");
        });
        await drive.StepAsync("22-author-page", async () =>
        {
            await drive.ReloadAtAsync(Article());
            await page.Locator(".markdown-body").WaitForAsync();
            await page.Locator(".author .base-info").ClickAsync();
            await Assertions.Expect(page.Locator(".user-info-container")).ToContainTextAsync("发布");
        });
        await drive.StepAsync("23-followings-followers", async () =>
        {
            // The links carry the reader's id: follow one once the reader is loaded.
            await drive.CallAsync("GET", "/v1_0/user", () => drive.GoAsync("/#/my"), "loading the reader");
            await drive.ByText(".van-grid-item__content", "关注").ClickAsync();
            await drive.ExpectTextAsync("已关注");
            await drive.CallAsync("GET", "/v1_0/user/followers", () => drive.ByText(".van-tab", "粉丝").ClickAsync(), "opening the followers");
        });

        await drive.StepAsync("24-undo", async () =>
        {
            await drive.ReloadAtAsync(Article());
            await drive.CallAsync("DELETE", "/v1_0/article/likings/{n}", () => page.Locator(".footer .van-icon-good-job").ClickAsync(), "unliking the article");
            await drive.CallAsync("DELETE", "/v1_0/article/collections/{n}", () => page.Locator(".footer .van-icon-star").ClickAsync(), "uncollecting the article");
            await drive.CallAsync("DELETE", "/v1_0/user/followings/{n}", () => drive.ByText("button", "已关注").ClickAsync(), "unfollowing the author");
            await drive.ReloadAtAsync(Article());
            await page.Locator(".markdown-body").WaitForAsync();
            await page.Locator(".footer .van-icon-good-job-o").WaitForAsync();
            await page.Locator(".footer .van-icon-star-o").WaitForAsync();
            if ((await drive.Body.InnerTextAsync()).Contains("已关注", StringComparison.Ordinal))
            {
                throw new StepFailedException("still followed after unfollowing");
            }
        });

        output.WriteLine(string.Join('\n', drive.CallsUsed()));
        foreach (var known in drive.KnownDefectsSeen)
        {
            output.WriteLine($"known, on the app's side: {known}");
        }

        var failures = drive.Failures;
        Assert.True(failures.Count == 0, $"The course's app failed against this backend ({failures.Count}):\n{string.Join('\n', failures)}");
        output.WriteLine($"all 24 steps passed in {watch.Elapsed.TotalSeconds:0.0} s, {drive.CallCount} calls, none 5xx");
    }

    /// <summary>The article of <paramref name="articleUrl"/> (<c>/#/article/{id}</c>) is among a page's results.</summary>
    private async Task<long> UserIdOfAsync(string mobile)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT user_id FROM user_basic WHERE mobile = @m");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@m", mobile));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExpectArticleAsync(IResponse page, string articleUrl, string what)
    {
        var id = long.Parse(articleUrl[(articleUrl.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var results = (await page.JsonAsync())!.Value.GetProperty("data").GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("art_id").GetInt64()).ToList();
        if (!results.Contains(id))
        {
            throw new StepFailedException($"{what} do not list article {id}: [{string.Join(", ", results)}]");
        }
    }
}
