using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;

namespace Toutiao.Tests.Articles;

/// <summary>
/// An editor's decision (the Development endpoint and <c>Toutiao.Web article-status</c>): a banned
/// article leaves the feed, the detail and its comments at once, and an approved one comes back.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class ArticleStatusTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task A_banned_article_leaves_the_feed_detail_and_comments_and_returns_when_approved()
    {
        var article = (await fixture.WebClient.FeedAsync(6, Api.Now(), Api.NewAnonymousReader())).ArticleIds()[0];
        var reader = Api.Bearer(fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(21, refresh: false));
        var comment = (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = article, content = "评论" })).Data.GetProperty("com_id").GetInt64();
        // The demo titles carry the article's number ("第49993篇"): a search for it finds it first.
        await fixture.SearchBuiltAsync();
        var search = $"/v1_0/search?q={article}&per_page=5";
        Assert.Equal(article, (await fixture.WebClient.SendAsync(HttpMethod.Get, search)).ArticleIds()[0]);
        try
        {
            var banned = await fixture.WebClient.SendAsync(HttpMethod.Post, $"/dev/articles/{article}/status", body: new { status = 5 });
            Assert.Equal(HttpStatusCode.OK, banned.Status);

            var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}");
            Assert.Equal((HttpStatusCode.NotFound, "Article not found."), (detail.Status, detail.Message));
            Assert.DoesNotContain(article, (await fixture.WebClient.FeedAsync(6, Api.Now(), Api.NewAnonymousReader())).ArticleIds());
            Assert.DoesNotContain(article, (await fixture.WebClient.FeedAsync(0, Api.Now(), Api.NewAnonymousReader())).ArticleIds());
            Assert.Null(await fixture.Redis.GetDatabase().SortedSetScoreAsync(Toutiao.Contracts.Recall.RecallKeys.New(6), article));
            // Search: its card is gone at once; the index drops it at its next look (Search:RefreshInterval).
            Assert.DoesNotContain(article, (await fixture.WebClient.SendAsync(HttpMethod.Get, search)).ArticleIds());
            var comments = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/comments?type=a&source={article}&limit=50");
            Assert.DoesNotContain(comments.Data.GetProperty("results").EnumerateArray(), c => c.GetProperty("com_id").GetInt64() == comment);

            var refused = await fixture.WebClient.SendAsync(HttpMethod.Post, $"/dev/articles/{article}/status", body: new { status = 9 });
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/dev/articles/99999999/status", body: new { status = 5 })).Status);
        }
        finally
        {
            await fixture.WebClient.SendAsync(HttpMethod.Post, $"/dev/articles/{article}/status", body: new { status = 2 });
        }

        Assert.Equal(HttpStatusCode.OK, (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}")).Status);
    }

    [Fact]
    public async Task The_command_does_the_same_and_says_what_it_did_or_why_not()
    {
        // Checked in MySQL and Redis: a Web that read the article an instant before still hands out
        // what it just loaded for half a second (InFlightLoads.Linger), and this process is not that Web.
        var article = (long)Random.Shared.Next(1_000, 40_000);
        var channel = await ChannelOfAsync(article);
        string[] settings =
        [
            $"--ConnectionStrings:redis={fixture.Storage.RedisConnectionString}",
            $"--ConnectionStrings:cache={fixture.Storage.CacheConnectionString}",
            $"--ConnectionStrings:toutiao={fixture.Storage.MySqlConnectionString}",
        ];
        var id = article.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await fixture.Cache.GetDatabase().StringSetAsync(ArticleCacheKeys.Info(article), "{}");
        try
        {
            Assert.Equal(0, await ArticleStatusCommand.RunAsync([id, "4", .. settings]));
            Assert.Equal(4, await StatusOfAsync(article));
            Assert.False(await fixture.Cache.GetDatabase().KeyExistsAsync(ArticleCacheKeys.Info(article)));
            Assert.Null(await fixture.Redis.GetDatabase().SortedSetScoreAsync(Toutiao.Contracts.Recall.RecallKeys.New(channel), article));
        }
        finally
        {
            Assert.Equal(0, await ArticleStatusCommand.RunAsync([id, "2", .. settings]));
        }

        Assert.Equal(2, await StatusOfAsync(article));
        Assert.NotNull(await fixture.Redis.GetDatabase().SortedSetScoreAsync(Toutiao.Contracts.Recall.RecallKeys.New(channel), article));
        Assert.Equal(1, await ArticleStatusCommand.RunAsync(["99999999", "5", .. settings]));
        Assert.Equal(1, await ArticleStatusCommand.RunAsync([id, "9", .. settings]));
        Assert.Equal(2, await ArticleStatusCommand.RunAsync(["not-an-id"]));
    }

    private async Task<int> StatusOfAsync(long article)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT status + 0 FROM news_article_basic WHERE article_id = @a");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@a", article));
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    private async Task<int> ChannelOfAsync(long article)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT channel_id FROM news_article_basic WHERE article_id = @a");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@a", article));
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ArticleStatusOnClusterTests(ClusterToutiaoFixture fixture) : ArticleStatusTests(fixture);
