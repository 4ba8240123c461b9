using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;

namespace Toutiao.Tests.Articles;

[Collection(ToutiaoCollection.Name)]
public class ArticleCacheTests(ToutiaoFixture fixture)
{
    private IDatabase Redis => fixture.Cache.GetDatabase();

    /// <summary>Web's SQL commands from now on.</summary>
    private MySqlCommandCounter WebMySql() => new(fixture.MySqlPort, fixture.WebMySqlUser);

    private long WebRedisOperations => fixture.Web.Services.GetRequiredKeyedService<IConnectionMultiplexer>(RedisConnections.Cache).GetCounters().Interactive.OperationCount;

    [Fact]
    public async Task A_hot_page_touches_mysql_zero_times_and_redis_once_in_web()
    {
        var reader = Api.NewAnonymousReader();
        var time = Api.Now();
        var first = await fixture.WebClient.FeedAsync(11, time, reader, withTop: true);
        Assert.Equal(13, first.ArticleIds().Count);

        var before = WebRedisOperations;
        using var mysql = WebMySql();
        var again = await fixture.WebClient.FeedAsync(11, time, reader, withTop: true);

        Assert.Equal(first.ArticleIds(), again.ArticleIds());
        Assert.Empty(mysql.Statements);
        // One script on one server. On a cluster, whose nodes run no script across slots, pipelines
        // sent to every node at once: the pinned ids; every info and each counter bucket; the authors.
        var authors = again.Data.GetProperty("results").EnumerateArray().Select(a => a.GetProperty("aut_id").GetInt64()).Distinct().Count();
        var buckets = again.ArticleIds().Select(ArticleCounters.Bucket).Distinct().Count();
        Assert.Equal(fixture.IsCluster ? 1 + again.ArticleIds().Count + buckets + authors : 1, WebRedisOperations - before);
    }

    [Fact]
    public async Task A_cold_page_loads_its_misses_with_one_query_and_writes_them_back_with_jittered_ttls()
    {
        var reader = Api.NewAnonymousReader();
        var time = Api.Now();
        var ids = (await fixture.WebClient.FeedAsync(12, time, reader)).ArticleIds();
        // Loads that just finished are still shared for a moment: forgotten, the page is truly cold.
        foreach (var id in ids)
        {
            fixture.WebService<ArticleInfoCache>().Forget(id);
        }

        await Task.WhenAll(ids.Select(id => Redis.KeyDeleteAsync(ArticleCacheKeys.Info(id))));

        using (var mysql = WebMySql())
        {
            var cold = await fixture.WebClient.FeedAsync(12, time, reader);
            Assert.Equal(ids, cold.ArticleIds());
            var statement = Assert.Single(mysql.Statements);
            Assert.Contains("news_article_basic", statement);
        }

        foreach (var id in ids)
        {
            var ttl = await Redis.KeyTimeToLiveAsync(ArticleCacheKeys.Info(id));
            Assert.InRange(ttl!.Value.TotalSeconds, 1800 - 5, 2400);
        }

        using (var mysql = WebMySql())
        {
            await fixture.WebClient.FeedAsync(12, time, reader);
            Assert.Empty(mysql.Statements);
        }
    }

    [Fact]
    public async Task An_unknown_or_unapproved_id_is_cached_as_not_found()
    {
        var cache = fixture.WebService<ArticleInfoCache>();
        long[] ids = [987_654_321, 50_003];
        // Cold: nothing of them in Redis, nor a load another request just finished (it would be shared, and not written back again).
        foreach (var id in ids)
        {
            cache.Forget(id);
        }

        await Task.WhenAll(ids.Select(id => Redis.KeyDeleteAsync(ArticleCacheKeys.Info(id))));

        using (var mysql = WebMySql())
        {
            var page = await cache.GetPageAsync(ids, null, CancellationToken.None);
            Assert.Empty(page.Articles);
            Assert.Single(mysql.Statements);
        }

        foreach (var id in ids)
        {
            Assert.Equal(ArticleCacheKeys.NotFoundMarker, (string?)await Redis.StringGetAsync(ArticleCacheKeys.Info(id)));
            Assert.InRange((await Redis.KeyTimeToLiveAsync(ArticleCacheKeys.Info(id)))!.Value.TotalSeconds, 300 - 5, 360);
        }

        using (var mysql = WebMySql())
        {
            Assert.Empty((await cache.GetPageAsync(ids, null, CancellationToken.None)).Articles);
            Assert.Empty(mysql.Statements);
        }
    }

    [Fact]
    public async Task Concurrent_misses_for_the_same_article_load_mysql_once()
    {
        var cache = fixture.WebService<ArticleInfoCache>();
        const long id = 31_337;
        // Its counters in Redis (a bucket's load is not handed out once done): only the card is missed.
        await cache.GetPageAsync([id], null, CancellationToken.None);
        cache.Forget(id);
        await Redis.KeyDeleteAsync(ArticleCacheKeys.Info(id));

        using var mysql = WebMySql();
        var pages = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => cache.GetPageAsync([id], null, CancellationToken.None))));

        Assert.All(pages, page => Assert.Equal(id, Assert.Single(page.Articles).Info.ArtId));
        Assert.Single(mysql.Statements);
    }

    /// <summary>
    /// Instances share no memory, so each loads a missed article at most once: MySQL sees at most
    /// one load per Web instance, however many readers miss it at once. No cross-instance lease
    /// (one more Redis round trip on every miss) is needed for a bound that is the instance count.
    /// </summary>
    [Fact]
    public async Task Concurrent_misses_for_the_same_article_across_two_web_instances_load_mysql_at_most_once_each()
    {
        var port = Ports.Free();
        await using var secondWeb = fixture.StartWeb(port, fixture.RecoAddress, "Development");
        var caches = new[] { fixture.WebService<ArticleInfoCache>(), secondWeb.Services.GetRequiredService<ArticleInfoCache>() };
        const long id = 17_320;
        await Redis.KeyDeleteAsync(ArticleCacheKeys.Info(id));

        using var mysql = WebMySql();
        var pages = await Task.WhenAll(Enumerable.Range(0, 40)
            .Select(i => Task.Run(() => caches[i % 2].GetPageAsync([id], null, CancellationToken.None))));

        Assert.All(pages, page => Assert.Equal(id, Assert.Single(page.Articles).Info.ArtId));
        var loads = mysql.Statements.Count(sql => sql.Contains("a.article_id IN", StringComparison.Ordinal));
        Assert.InRange(loads, 1, caches.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_request_waiting_on_another_ones_load_gets_the_article_with_its_author_even_when_the_owner_is_cancelled(bool cancelOwner)
    {
        var cache = fixture.WebService<ArticleInfoCache>();
        var id = cancelOwner ? 27_183L : 16_180L;
        await Redis.KeyDeleteAsync(ArticleCacheKeys.Info(id));
        var mariadbd = LocalProcesses.MariaDbOf(fixture.Storage.Directory);

        // MySQL frozen: the owner's load hangs in it until the waiter has joined.
        using var ownerInMySql = WebMySql();
        using var twoMisses = new MeasurementSignal(ArticleCacheMetrics.MeterName, "toutiao.cache.lookups", new("outcome", "miss"), 2, fixture.Web.Services);
        await LocalProcesses.SignalAsync(mariadbd.Pid, "STOP");
        try
        {
            using var ownerGone = new CancellationTokenSource();
            var owner = Task.Run(() => cache.GetPageAsync([id], null, ownerGone.Token));
            var waiter = Task.Run(() => cache.GetPageAsync([id], null, CancellationToken.None));
            await twoMisses.Reached.WaitAsync(TimeSpan.FromSeconds(10));

            if (cancelOwner)
            {
                await ownerGone.CancelAsync();
                // The owner stops waiting at once, while MySQL is still frozen.
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => owner.WaitAsync(TimeSpan.FromSeconds(5)));
            }

            await LocalProcesses.SignalAsync(mariadbd.Pid, "CONT");
            var card = Assert.Single((await waiter).Articles);
            Assert.Equal(id, card.Info.ArtId);
            Assert.Single(ownerInMySql.Statements, sql => sql.Contains("a.article_id IN", StringComparison.Ordinal));
            var expected = await AuthorNameAsync(card.Info.AutId);
            Assert.Equal(expected, card.Author?.Name);
            if (!cancelOwner)
            {
                Assert.Equal(expected, Assert.Single((await owner).Articles).Author?.Name);
            }
        }
        finally
        {
            await LocalProcesses.SignalAsync(mariadbd.Pid, "CONT");
        }
    }

    private async Task<string> AuthorNameAsync(long userId)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT user_name FROM user_basic WHERE user_id = @id");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@id", userId));
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Author_names_come_through_the_profile_cache()
    {
        var cache = fixture.WebService<ArticleInfoCache>();
        const long id = 4_242;
        var card = Assert.Single((await cache.GetPageAsync([id], null, CancellationToken.None)).Articles);
        var profileKey = ArticleCacheKeys.Profile(card.Info.AutId);
        Assert.True(await Redis.KeyExistsAsync(profileKey));

        // A renamed author shows under the article once the profile cache says so.
        await Redis.StringSetAsync(profileKey, $$"""{"user_id":{{card.Info.AutId}},"name":"改名的作者","photo":null}""", TimeSpan.FromMinutes(5));
        var renamed = Assert.Single((await cache.GetPageAsync([id], null, CancellationToken.None)).Articles);
        Assert.Equal("改名的作者", renamed.Author!.Name);
        await Redis.KeyDeleteAsync(profileKey);
    }

    [Fact]
    public async Task With_the_local_layer_a_page_read_before_costs_redis_nothing_until_a_counter_changes_and_then_that_bucket_only()
    {
        // Far longer than the test: what changes here is heard, not expired.
        await using var web = StartWebWithLocalCards(TimeSpan.FromMinutes(10));
        var cache = web.Services.GetRequiredService<ArticleInfoCache>();
        var local = web.Services.GetRequiredService<LocalCardCache>();
        await web.Services.GetRequiredService<ArticleCounterChanges>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        long[] ids = [4_301, 4_302, 4_303];
        var first = await cache.GetPageAsync(ids, 11, CancellationToken.None);
        Assert.NotEmpty(first.Pinned);
        Assert.Equal(ids, first.Articles.Select(c => c.Info.ArtId));
        // The new process's own warm-ups (a look at every channel's pins; the feed's page of cards) must not fall inside the count.
        await web.Services.GetRequiredService<ArticleCacheWarmer>().Warmed.WaitAsync(TimeSpan.FromSeconds(30));
        await web.Services.GetRequiredService<Toutiao.Web.Feed.FeedWarmUp>().Done.WaitAsync(TimeSpan.FromSeconds(30));

        var before = Operations(web);
        using var mysql = WebMySql();
        var second = await cache.GetPageAsync(ids, 11, CancellationToken.None);
        // One pipeline, an HMGET per counter bucket of the page (on a cluster, sent to the nodes holding them at once): no script, infos or profiles.
        Assert.Equal(first.Pinned.Concat(first.Articles).Select(c => ArticleCounters.Bucket(c.Info.ArtId)).Distinct().Count(), Operations(web) - before);
        Assert.Equal(Cards(first.Pinned), Cards(second.Pinned));
        Assert.Equal(Cards(first.Articles), Cards(second.Articles));

        // Then the counters too are in memory: nothing at all.
        before = Operations(web);
        var third = await cache.GetPageAsync(ids, 11, CancellationToken.None);
        Assert.Equal(0, Operations(web) - before);
        Assert.Empty(mysql.Statements);
        Assert.Equal(second.Articles.Select(c => c.Counts), third.Articles.Select(c => c.Counts));

        // A change made elsewhere (this test's connection, as another Web or Reco would) is heard at once:
        // its bucket alone is read again, and the change shows.
        try
        {
            Assert.True(await Redis.AddIfLoadedAsync(ArticleCounter.Likes, [KeyValuePair.Create(ids[0], 1L)]));
            await HeardAsync(web, local, ids[0]);
            before = Operations(web);
            var fourth = await cache.GetPageAsync(ids, 11, CancellationToken.None);
            Assert.Equal(1, Operations(web) - before);
            Assert.Equal(second.Articles[0].Counts.LikeCount + 1, fourth.Articles[0].Counts.LikeCount);
            Assert.Equal(second.Articles[1].Counts, fourth.Articles[1].Counts);
            Assert.Equal(second.Pinned.Select(c => c.Counts), fourth.Pinned.Select(c => c.Counts));
        }
        finally
        {
            await Redis.AddIfLoadedAsync(ArticleCounter.Likes, [KeyValuePair.Create(ids[0], -1L)]);
        }
    }

    /// <summary>Waits until the process has heard that the article's counter bucket changed (other buckets' changes may come first).</summary>
    private static async Task HeardAsync(WebApplicationFactory<Program> web, LocalCardCache local, long articleId)
    {
        while (true)
        {
            using var dropped = new MeasurementSignal(ArticleCacheMetrics.MeterName, "toutiao.cache.local_counts_dropped", new("reason", "changed"), 1, web.Services);
            if (!local.TryGetCounts(articleId, out _))
            {
                return;
            }

            await dropped.Reached.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task With_the_local_layer_a_renamed_author_shows_once_the_local_copy_expires()
    {
        var ttl = TimeSpan.FromSeconds(2);
        await using var web = StartWebWithLocalCards(ttl);
        var cache = web.Services.GetRequiredService<ArticleInfoCache>();
        const long id = 4_243;
        var read = Stopwatch.StartNew();
        var card = Assert.Single((await cache.GetPageAsync([id], null, CancellationToken.None)).Articles);
        var profileKey = ArticleCacheKeys.Profile(card.Info.AutId);
        await Redis.StringSetAsync(profileKey, $$"""{"user_id":{{card.Info.AutId}},"name":"又改名的作者","photo":null}""", TimeSpan.FromMinutes(5));

        var name = Assert.Single((await cache.GetPageAsync([id], null, CancellationToken.None)).Articles).Author!.Name;
        if (read.Elapsed < ttl)
        {
            // Still the copy in memory.
            Assert.Equal(card.Author!.Name, name);
        }

        while (name != "又改名的作者")
        {
            Assert.True(read.Elapsed < ttl + TimeSpan.FromSeconds(10), $"still '{name}' after {read.Elapsed}");
            await Task.Delay(50);
            name = Assert.Single((await cache.GetPageAsync([id], null, CancellationToken.None)).Articles).Author!.Name;
        }

        Assert.True(read.Elapsed >= ttl, $"renamed after {read.Elapsed}, before the copy in memory expired");
        await Redis.KeyDeleteAsync(profileKey);
    }

    private WebApplicationFactory<Program> StartWebWithLocalCards(TimeSpan ttl) => fixture.StartWeb(Ports.Free(), fixture.RecoAddress, "Development",
        overrides: new Dictionary<string, string?> { ["ArticleCache:LocalTtl"] = ttl.ToString() });

    private static long Operations(WebApplicationFactory<Program> web)
        => web.Services.GetRequiredKeyedService<IConnectionMultiplexer>(RedisConnections.Cache).GetCounters().Interactive.OperationCount;

    /// <summary>What a card says apart from its counters, as JSON (records compare their lists by reference).</summary>
    private static List<string> Cards(IEnumerable<ArticleCard> cards)
        => cards.Select(c => JsonSerializer.Serialize(new { c.Info, c.Author }, ToutiaoJson.Options)).ToList();

    [Fact]
    public async Task A_counter_bucket_not_in_redis_is_loaded_from_mysql_by_the_page_that_needs_it_and_changes_then_show()
    {
        const long id = 4_305;
        var cache = fixture.WebService<ArticleInfoCache>();
        var key = ArticleCounters.KeyOf(id);
        await Redis.KeyDeleteAsync(key);
        // Not loaded: a change is not kept (a load reads MySQL, where it is) and makes no bucket.
        Assert.False(await Redis.AddIfLoadedAsync(ArticleCounter.Likes, [KeyValuePair.Create(id, 1L)]));
        Assert.False(await Redis.KeyExistsAsync(key));

        var loaded = Assert.Single((await cache.GetPageAsync([id], null, CancellationToken.None)).Articles).Counts;
        Assert.Equal(await CountsInMySqlAsync(id), loaded);
        Assert.True(await Redis.HashExistsAsync(key, ArticleCounters.LoadedField));
        // The bucket's other articles came with it: a page of them costs MySQL nothing more.
        using (var mysql = WebMySql())
        {
            await cache.GetPageAsync([id + 1, id + 2], null, CancellationToken.None);
            Assert.DoesNotContain(mysql.Statements, statement => statement.Contains("news_article_statistic", StringComparison.Ordinal));
        }

        // Loaded, it holds the live counts: a change shows, and a reading of MySQL that comes late does not replace it.
        Assert.True(await Redis.AddIfLoadedAsync(ArticleCounter.Likes, [KeyValuePair.Create(id, 1L)]));
        Assert.False(await Redis.LoadIfAbsentAsync(ArticleCounters.Bucket(id), [KeyValuePair.Create(id, new long[4])]));
        Assert.Equal(loaded with { LikeCount = loaded.LikeCount + 1 },
            Assert.Single((await cache.GetPageAsync([id], null, CancellationToken.None)).Articles).Counts);
        await Redis.AddIfLoadedAsync(ArticleCounter.Likes, [KeyValuePair.Create(id, -1L)]);
    }

    [Fact]
    public async Task Every_script_that_writes_a_counter_bucket_publishes_its_key()
    {
        // Counters kept in Web's memory are dropped by what is published: a write that is not heard keeps a stale count.
        const long id = 4_410;
        var key = ArticleCounters.KeyOf(id);
        var heard = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var published = 0;
        var subscriber = fixture.Cache.GetSubscriber();
        var channel = RedisChannel.Literal(ArticleCounters.ChangedChannel);
        void OnMessage(RedisChannel _, RedisValue message) => heard.Writer.TryWrite(message!);
        await subscriber.SubscribeAsync(channel, OnMessage);
        try
        {
            // Waits for the messages themselves; the 10 s only end a wait for one that never comes.
            async Task HeardAsync(int count, string what)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    while (published < count)
                    {
                        if (await heard.Reader.ReadAsync(timeout.Token) == key)
                        {
                            published++;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"{what}: {key} not published");
                }
            }

            await Redis.KeyDeleteAsync(key);
            Assert.False(await Redis.AddIfLoadedAsync(ArticleCounter.Likes, [KeyValuePair.Create(id, 1L)]));
            await HeardAsync(1, "a change of a bucket not loaded");
            Assert.True(await Redis.LoadIfAbsentAsync(ArticleCounters.Bucket(id), [KeyValuePair.Create(id, new long[4])]));
            await HeardAsync(2, "a load");
            Assert.True(await Redis.SetIfLoadedAsync(ArticleCounter.Likes, [KeyValuePair.Create(id, 3L)]));
            await HeardAsync(3, "a repair");
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, OnMessage);
            // The made-up counts go; the next page loads the bucket from MySQL.
            await Redis.KeyDeleteAsync(key);
        }
    }

    private async Task<ArticleCounts> CountsInMySqlAsync(long id)
    {
        await using var command = fixture.MySql.CreateCommand(
            "SELECT comment_count, like_count, collect_count, read_count FROM news_article_statistic WHERE article_id = @id");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new ArticleCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)) : ArticleCounts.Zero;
    }

    [Fact]
    public async Task A_warm_up_that_finds_everything_in_place_writes_nothing_and_is_no_trace_and_a_changed_pin_is_put_back()
    {
        var warmer = fixture.WebService<ArticleCacheWarmer>();
        var db = fixture.Cache.GetDatabase();
        await warmer.WarmAsync(CancellationToken.None);
        var pins = await db.SortedSetRangeByRankWithScoresAsync(ArticleCacheKeys.Top(2));
        Assert.NotEmpty(pins);

        var quiet = TestTrace.New();
        using (quiet.Begin())
        {
            await warmer.WarmAsync(CancellationToken.None);
        }

        await db.SortedSetAddAsync(ArticleCacheKeys.Top(2), 999_999_999, 1);
        var changed = TestTrace.New();
        using (changed.Begin())
        {
            await warmer.WarmAsync(CancellationToken.None);
        }

        Assert.DoesNotContain(quiet.SpansIn(fixture.Spans), s => s.DisplayName == "article_cache warm");
        var warm = Assert.Single(changed.SpansIn(fixture.Spans), s => s.DisplayName == "article_cache warm");
        Assert.Equal(1, warm.GetTagItem("toutiao.cache.pinned_channels_changed"));
        Assert.Equal(pins, await db.SortedSetRangeByRankWithScoresAsync(ArticleCacheKeys.Top(2)));
    }
}

/// <summary>The same tests with Web and Reco on a Redis Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ArticleCacheOnClusterTests(ClusterToutiaoFixture fixture) : ArticleCacheTests(fixture);
