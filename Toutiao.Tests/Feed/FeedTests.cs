extern alias reco;

using System.Net;
using System.Text.Json;
using MySqlConnector;
using Toutiao.Contracts.Articles;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;

namespace Toutiao.Tests.Feed;

[Collection(ToutiaoCollection.Name)]
public class FeedTests(ToutiaoFixture fixture)
{
    private HttpClient Web => fixture.WebClient;

    [Fact]
    public async Task Fresh_pages_history_pages_and_a_retried_refresh()
    {
        var reader = Api.NewAnonymousReader();
        var t1 = Api.Now();
        var first = await Web.FeedAsync(3, t1, reader);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("OK", first.Message);
        Assert.Equal(10, first.ArticleIds().Count);
        Assert.Equal(0, first.PreTimestamp());

        var t2 = t1 + 60_000;
        var second = await Web.FeedAsync(3, t2, reader);
        Assert.Equal(10, second.ArticleIds().Count);
        Assert.Equal(t1, second.PreTimestamp());
        Assert.Empty(first.ArticleIds().Intersect(second.ArticleIds()));

        // The app follows pre_timestamp back through history.
        var history = await Web.FeedAsync(3, second.PreTimestamp(), reader);
        Assert.Equal(first.ArticleIds(), history.ArticleIds());
        Assert.Equal(0, history.PreTimestamp());

        // A retry of a refresh (same timestamp) gets the page it was given, not another one.
        var again = await Web.FeedAsync(3, t2, reader);
        Assert.Equal(second.ArticleIds(), again.ArticleIds());
        Assert.Equal(t1, again.PreTimestamp());
    }

    [Fact]
    public async Task Twenty_concurrent_refreshes_of_one_reader_never_share_an_article()
    {
        var reader = Api.NewAnonymousReader();
        var t0 = Api.Now();
        var pages = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Web.FeedAsync(5, t0 - i * 1000, reader)));

        Assert.All(pages, page => Assert.Equal(HttpStatusCode.OK, page.Status));
        Assert.All(pages, page => Assert.Null(page.Header("X-Feed-Degraded")));
        var ids = pages.SelectMany(page => page.ArticleIds()).ToList();
        Assert.Equal(200, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());

        // Every page is history now, at its own timestamp, and the pre_timestamp chain visits each once.
        var visited = new List<long>();
        for (var timestamp = t0; timestamp != 0;)
        {
            var page = await Web.FeedAsync(5, timestamp, reader);
            visited.AddRange(page.ArticleIds());
            timestamp = page.PreTimestamp();
        }

        Assert.Equal(ids.Order(), visited.Order());
    }

    [Fact]
    public async Task No_article_is_served_twice_across_fresh_pages()
    {
        var reader = Api.NewAnonymousReader();
        var time = Api.Now();
        var served = new List<long>();
        for (var page = 0; page < 6; page++)
        {
            served.AddRange((await Web.FeedAsync(5, time += 1000, reader)).ArticleIds());
        }

        Assert.Equal(60, served.Count);
        Assert.Equal(served.Count, served.Distinct().Count());
    }

    [Fact]
    public async Task Articles_served_in_the_recommended_channel_are_not_served_again_in_their_own_channel()
    {
        // Two readers in the same A/B bucket rank alike; only their history differs.
        var (reader, control) = TwoReadersInOneBucket();
        var time = Api.Now();
        var recommended = new HashSet<long>();
        for (var page = 0; page < 10; page++)
        {
            recommended.UnionWith((await Web.FeedAsync(0, time += 1000, reader)).ArticleIds());
        }

        // Which channel shares articles with what the reader saw in channel 0, for a reader without history?
        var channel = await MostCommonChannelAsync(recommended);
        var controlPage = await Web.FeedAsync(channel, time + 1000, control);
        Assert.NotEmpty(controlPage.ArticleIds().Intersect(recommended));

        var readerPage = await Web.FeedAsync(channel, time + 1000, reader);
        Assert.Equal(10, readerPage.ArticleIds().Count);
        Assert.Empty(readerPage.ArticleIds().Intersect(recommended));
    }

    [Fact]
    public async Task A_reader_without_a_header_scrolls_back_by_time_without_state_or_repeats_and_pins_only_on_top()
    {
        // The app sends no Authorization before sign-in: the timestamp is the cursor.
        var time = Api.Now();
        var first = await Web.FeedAsync(1, time, withTop: true);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var items = first.Data.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(items.TakeWhile(i => i.GetProperty("is_top").GetInt32() == 1));
        Assert.Equal(10, items.Count(i => i.GetProperty("is_top").GetInt32() == 0));
        // Nothing is remembered: the same request later is the same page.
        var again = await Web.FeedAsync(1, time + 1000, withTop: true);
        Assert.Equal(first.ArticleIds(), again.ArticleIds());
        Assert.Equal(first.PreTimestamp(), again.PreTimestamp());

        var seen = first.ArticleIds().ToList();
        var published = items.Where(i => i.GetProperty("is_top").GetInt32() == 0).Select(i => i.GetProperty("pubdate").GetDateTime()).ToList();
        var cursor = first.PreTimestamp();
        for (var page = 0; page < 5; page++)
        {
            Assert.InRange(cursor, 1, time);
            var next = await Web.FeedAsync(1, cursor, withTop: true);
            var results = next.Data.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(10, results.Count);
            Assert.All(results, r => Assert.Equal(0, r.GetProperty("is_top").GetInt32()));
            seen.AddRange(next.ArticleIds());
            published.AddRange(results.Select(r => r.GetProperty("pubdate").GetDateTime()));
            Assert.True(next.PreTimestamp() < cursor);
            cursor = next.PreTimestamp();
        }

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(published.OrderByDescending(p => p), published);

        // Before the oldest article: an empty page and no next one.
        var end = await Web.FeedAsync(1, 1);
        Assert.Empty(end.ArticleIds());
        Assert.Equal(0, end.PreTimestamp());

        var click = JsonDocument.Parse(items.First(i => i.GetProperty("is_top").GetInt32() == 0).GetProperty("trace").GetProperty("click").GetString()!).RootElement;
        Assert.Equal("", click.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task With_top_puts_the_pinned_articles_first_without_trace()
    {
        var response = await Web.FeedAsync(1, Api.Now(), Api.NewAnonymousReader(), withTop: true);
        var results = response.Data.GetProperty("results").EnumerateArray().ToList();

        var pinned = await PinnedOfChannelAsync(1);
        Assert.Equal(3, pinned.Count);
        Assert.Equal(13, results.Count);
        Assert.Equal(pinned.Order(), results.Take(3).Select(r => r.GetProperty("art_id").GetInt64()).Order());
        Assert.All(results.Take(3), r =>
        {
            Assert.Equal(1, r.GetProperty("is_top").GetInt32());
            Assert.False(r.TryGetProperty("trace", out _));
        });
        Assert.All(results.Skip(3), r =>
        {
            Assert.Equal(0, r.GetProperty("is_top").GetInt32());
            Assert.True(r.TryGetProperty("trace", out _));
        });

        var withoutTop = await Web.FeedAsync(1, Api.Now(), Api.NewAnonymousReader());
        Assert.All(withoutTop.Data.GetProperty("results").EnumerateArray(), r => Assert.Equal(0, r.GetProperty("is_top").GetInt32()));
    }

    [Fact]
    public async Task Feed_items_have_the_toutiao_shape_and_the_stored_values()
    {
        var token = fixture.WebService<TokenService>().Create(42, refresh: false);
        var response = await Web.FeedAsync(7, Api.Now(), Api.Bearer(token));
        Assert.Equal(["message", "data"], response.Body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["pre_timestamp", "results"], response.Data.EnumerateObject().Select(p => p.Name));

        var item = response.Data.GetProperty("results")[0];
        Assert.Equal(
            ["art_id", "title", "aut_id", "aut_name", "comm_count", "like_count", "collect_count", "pubdate", "cover", "is_top", "trace"],
            item.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["type", "images"], item.GetProperty("cover").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["click", "collect", "share", "read"], item.GetProperty("trace").EnumerateObject().Select(p => p.Name));

        var id = item.GetProperty("art_id").GetInt64();
        await using var command = fixture.MySql.CreateCommand(
            """
            SELECT a.title, a.user_id, u.user_name, s.comment_count, s.like_count, s.collect_count, a.create_time,
                   JSON_EXTRACT(a.cover, '$.type'), JSON_LENGTH(a.cover, '$.images'), a.channel_id
            FROM news_article_basic a JOIN user_basic u ON u.user_id = a.user_id
            JOIN news_article_statistic s ON s.article_id = a.article_id WHERE a.article_id = @id
            """);
        command.Parameters.Add(new MySqlParameter("@id", id));
        await using var row = await command.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(7, row.GetInt32(9));
        Assert.Equal(row.GetString(0), item.GetProperty("title").GetString());
        Assert.Equal(row.GetInt64(1), item.GetProperty("aut_id").GetInt64());
        Assert.Equal(row.GetString(2), item.GetProperty("aut_name").GetString());
        Assert.Equal(row.GetInt64(3), item.GetProperty("comm_count").GetInt64());
        Assert.Equal(row.GetInt64(4), item.GetProperty("like_count").GetInt64());
        Assert.Equal(row.GetInt64(5), item.GetProperty("collect_count").GetInt64());
        Assert.Equal(row.GetDateTime(6), item.GetProperty("pubdate").GetDateTime());
        Assert.Equal(int.Parse(row.GetString(7)), item.GetProperty("cover").GetProperty("type").GetInt32());
        Assert.Equal(row.GetInt32(8), item.GetProperty("cover").GetProperty("images").GetArrayLength());

        var click = JsonDocument.Parse(item.GetProperty("trace").GetProperty("click").GetString()!).RootElement;
        // The original's fields, then when it was issued and the signature Web checks when it comes back.
        Assert.Equal(["action", "userId", "articleId", "algorithmCombine", "issuedAt", "sig"], click.EnumerateObject().Select(p => p.Name));
        Assert.InRange(click.GetProperty("issuedAt").GetInt64(), Api.Now() - 60_000, Api.Now());
        Assert.Equal("click", click.GetProperty("action").GetString());
        Assert.Equal("42", click.GetProperty("userId").GetString());
        Assert.Equal(id.ToString(), click.GetProperty("articleId").GetString());
        Assert.Equal(AlgorithmBucket.For("42"), click.GetProperty("algorithmCombine").GetString());
    }

    [Fact]
    public async Task Counts_come_from_the_redis_counters()
    {
        var response = await Web.FeedAsync(9, Api.Now(), Api.NewAnonymousReader());
        var item = response.Data.GetProperty("results")[0];
        var id = item.GetProperty("art_id").GetInt64();

        var likes = Toutiao.Contracts.Articles.ArticleCounter.Likes;
        Assert.True(await fixture.Cache.GetDatabase().AddIfLoadedAsync(likes, [KeyValuePair.Create(id, 7L)]));
        var detail = await Web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{id}");
        await fixture.Cache.GetDatabase().AddIfLoadedAsync(likes, [KeyValuePair.Create(id, -7L)]);
        Assert.Equal(item.GetProperty("like_count").GetInt64() + 7, detail.Data.GetProperty("like_count").GetInt64());
    }

    [Fact]
    public async Task Unknown_routes_answer_in_the_envelope()
    {
        var response = await Web.SendAsync(HttpMethod.Get, "/v1_1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("Not found.", response.Message);
    }

    private async Task<int> MostCommonChannelAsync(IEnumerable<long> articleIds)
    {
        await using var command = fixture.MySql.CreateCommand(
            $"SELECT channel_id FROM news_article_basic WHERE article_id IN ({string.Join(',', articleIds)}) GROUP BY channel_id ORDER BY COUNT(*) DESC, channel_id LIMIT 1");
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    private async Task<List<long>> PinnedOfChannelAsync(int channel)
    {
        await using var command = fixture.MySql.CreateCommand($"SELECT article_id FROM news_article_basic WHERE is_top = 1 AND channel_id = {channel}");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<long>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private static (string Reader, string Control) TwoReadersInOneBucket()
    {
        string NewId() => "t" + Guid.NewGuid().ToString("N");
        var reader = NewId();
        string control;
        do
        {
            control = NewId();
        }
        while (AlgorithmBucket.For("anony:" + control) != AlgorithmBucket.For("anony:" + reader));

        return ("Anony " + reader, "Anony " + control);
    }
}

/// <summary>The same tests with Web and Reco on a Redis Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FeedOnClusterTests(ClusterToutiaoFixture fixture) : FeedTests(fixture);
