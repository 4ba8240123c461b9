using System.Net;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Articles;

[Collection(ToutiaoCollection.Name)]
public sealed class ArticleEndpointTests(ToutiaoFixture fixture)
{
    private HttpClient Web => fixture.WebClient;

    [Fact]
    public async Task Channel_list_is_paged_newest_first()
    {
        var first = await Web.SendAsync(HttpMethod.Get, "/v1_0/articles?channel_id=4&per_page=20");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(1, first.Data.GetProperty("page").GetInt32());
        Assert.Equal(20, first.Data.GetProperty("per_page").GetInt32());
        Assert.Equal(2000, first.Data.GetProperty("total_count").GetInt64());
        var items = first.Data.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(20, items.Count);
        var dates = items.Select(i => i.GetProperty("pubdate").GetDateTime()).ToList();
        Assert.Equal(dates.OrderDescending(), dates);
        Assert.Equal(
            ["art_id", "title", "aut_id", "aut_name", "comm_count", "like_count", "collect_count", "pubdate", "cover", "is_top"],
            items[0].EnumerateObject().Select(p => p.Name));

        var second = await Web.SendAsync(HttpMethod.Get, "/v1_0/articles?channel_id=4&page=2&per_page=20");
        Assert.True(second.ArticleIds().Min() > 0);
        Assert.Empty(first.ArticleIds().Intersect(second.ArticleIds()));
        Assert.True(second.Data.GetProperty("results")[0].GetProperty("pubdate").GetDateTime() <= dates[^1]);

        var defaults = await Web.SendAsync(HttpMethod.Get, "/v1_0/articles?channel_id=4");
        Assert.Equal(10, defaults.ArticleIds().Count);
        Assert.Equal(first.ArticleIds().Take(10), defaults.ArticleIds());

        var beyond = await Web.SendAsync(HttpMethod.Get, "/v1_0/articles?channel_id=4&page=100000&per_page=50");
        Assert.Equal(HttpStatusCode.OK, beyond.Status);
        Assert.Empty(beyond.ArticleIds());
    }

    [Fact]
    public async Task Channels_start_with_the_recommended_channel_and_hide_invisible_ones()
    {
        var response = await Web.SendAsync(HttpMethod.Get, "/v1_0/channels");
        var channels = response.Data.GetProperty("channels").EnumerateArray().ToList();
        Assert.Equal(26, channels.Count);
        Assert.Equal(0, channels[0].GetProperty("id").GetInt32());
        Assert.Equal("推荐", channels[0].GetProperty("name").GetString());
        Assert.DoesNotContain(channels, c => c.GetProperty("name").GetString() == "运维");
    }

    [Fact]
    public async Task Article_detail_has_content_and_unknown_or_unapproved_articles_are_404()
    {
        var detail = await Web.SendAsync(HttpMethod.Get, "/v1_0/articles/123");
        Assert.Equal(HttpStatusCode.OK, detail.Status);
        Assert.Equal(123, detail.Data.GetProperty("art_id").GetInt64());
        Assert.Contains("第 123 篇", detail.Data.GetProperty("content").GetString());
        Assert.False(string.IsNullOrEmpty(detail.Data.GetProperty("aut_name").GetString()));

        foreach (var id in new[] { 50_001, 50_002, 88_888_888 })
        {
            var missing = await Web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{id}");
            Assert.Equal(HttpStatusCode.NotFound, missing.Status);
            Assert.Equal("Article not found.", missing.Message);
        }
    }

    [Fact]
    public async Task An_articles_html_reaches_readers_without_anything_that_runs()
    {
        var article = (long)Random.Shared.Next(100, 40_000);
        await using var read = fixture.MySql.CreateCommand("SELECT content FROM news_article_content WHERE article_id = @a");
        read.Parameters.Add(new MySqlConnector.MySqlParameter("@a", article));
        var original = (string?)await read.ExecuteScalarAsync();
        try
        {
            await SetContentAsync(article, "<p onclick=\"steal()\">正文</p><script>steal()</script><img src=\"/images/article/1-1.jpg\" onerror=\"steal()\">");
            var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}");
            Assert.Equal("<p>正文</p><img src=\"/images/article/1-1.jpg\">", detail.Data.GetProperty("content").GetString());
        }
        finally
        {
            await SetContentAsync(article, original ?? "");
        }
    }

    private async Task SetContentAsync(long article, string content)
    {
        await using var command = fixture.MySql.CreateCommand(
            "INSERT INTO news_article_content (article_id, content) VALUES (@a, @c) ON DUPLICATE KEY UPDATE content = @c");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@a", article));
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@c", content));
        await command.ExecuteNonQueryAsync();
    }
}
