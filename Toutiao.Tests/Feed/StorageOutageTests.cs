extern alias reco;

using System.Diagnostics;
using System.Net;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Feed;

/// <summary>
/// The real servers stopped, frozen, filled up or restarted under a running Web and Reco: the feed
/// goes on from memory and MySQL (behind a bulkhead) and recovers by itself, and the reader's
/// history is intact afterwards.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class StorageOutageTests(ToutiaoFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task With_both_redis_servers_stopped_the_feed_answers_from_memory_and_mysql_and_after_a_restart_the_history_is_intact()
    {
        // A signed-in reader: an anonymous reader's history is in the cache server, which keeps nothing across a restart.
        var reader = Api.Bearer(fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(913, refresh: false));
        var t1 = Api.Now() - 10_000;
        var first = await fixture.WebClient.FeedAsync(6, t1, reader);
        var second = await fixture.WebClient.FeedAsync(6, t1 + 1000, reader);
        Assert.Equal(t1, second.PreTimestamp());
        // A Web of its own whose bulkhead lets one page read through to MySQL at a time.
        var port = Ports.Free();
        await using var narrowWeb = fixture.StartWeb(port, fixture.RecoAddress, "Development",
            overrides: new Dictionary<string, string?> { ["ArticleCache:UncachedReadLimit"] = "1" });
        using var narrow = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal(HttpStatusCode.OK, (await narrow.FeedAsync(6, Api.Now(), Api.NewAnonymousReader())).Status);

        await fixture.Storage.StopAsync("redis");
        await fixture.Storage.StopAsync("cache");
        try
        {
            // Reco serves the lists it last read, Web reads the articles from MySQL: fast, whole, marked.
            var stopwatch = Stopwatch.StartNew();
            var during = await fixture.WebClient.FeedAsync(6, Api.Now(), reader);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
            output.WriteLine($"Both Redis servers down: degraded page in {stopwatch.ElapsedMilliseconds} ms");
            Assert.Equal(HttpStatusCode.OK, during.Status);
            Assert.Equal("redis", during.Header("X-Feed-Degraded"));
            Assert.Equal(10, during.ArticleIds().Count);
            Assert.Equal(0, during.PreTimestamp());
            var item = during.Data.GetProperty("results")[0];
            Assert.False(string.IsNullOrEmpty(item.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrEmpty(item.GetProperty("aut_name").GetString()));

            var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{during.ArticleIds()[0]}");
            Assert.Equal(HttpStatusCode.OK, detail.Status);

            // Still ready (a readiness probe must not take every Web out while they serve degraded pages): Degraded.
            using var health = await fixture.WebClient.GetAsync("/health");
            Assert.Equal((HttpStatusCode.OK, "Degraded"), (health.StatusCode, await health.Content.ReadAsStringAsync()));

            // The bulkhead: with MySQL paused, one read holds the only permit and the next is a fast 503.
            var mariadbd = LocalProcesses.MariaDbOf(fixture.Storage.Directory);
            await LocalProcesses.SignalAsync(mariadbd.Pid, "STOP");
            try
            {
                async Task<(ApiResponse Response, TimeSpan Took)> TimedAsync()
                {
                    var watch = Stopwatch.StartNew();
                    var response = await narrow.FeedAsync(6, Api.Now(), Api.NewAnonymousReader());
                    return (response, watch.Elapsed);
                }

                var reads = Enumerable.Range(0, 4).Select(_ => TimedAsync()).ToList();
                var firstDone = await await Task.WhenAny(reads);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, firstDone.Response.Status);
                Assert.Equal("Storage is busy: try again in a moment.", firstDone.Response.Message);
                Assert.True(firstDone.Took < TimeSpan.FromMilliseconds(500), $"a refused read took {firstDone.Took}");
                output.WriteLine($"Bulkhead full: 503 in {firstDone.Took.TotalMilliseconds:0} ms");

                // Thawed before MySQL's connect timeout, the read holding the permit completes.
                await LocalProcesses.SignalAsync(mariadbd.Pid, "CONT");
                var all = await Task.WhenAll(reads);
                Assert.Contains(all, r => r.Response.Status == HttpStatusCode.OK);
                Assert.All(all, r => Assert.True(r.Response.Status == HttpStatusCode.OK || r.Response.Message == "Storage is busy: try again in a moment.",
                    $"{r.Response.Status}: {r.Response.Body}"));
            }
            finally
            {
                // Thawed even when an assertion failed: the other tests share this server.
                await LocalProcesses.SignalAsync(mariadbd.Pid, "CONT");
            }
        }
        finally
        {
            await fixture.Storage.StartAsync("redis");
            await fixture.Storage.StartAsync("cache");
            // The cache server is back empty. Web refills its counters on reconnecting, in the
            // background; the tests after this one read them, so they are refilled before it ends.
            await fixture.RefillCacheAsync();
        }

        // The append-only file kept the reader's history through the restart, and the feed recovers by itself.
        var backAt = Stopwatch.StartNew();
        var history = await WhenRedisIsBackAsync(() => fixture.WebClient.FeedAsync(6, t1 + 1000, reader));
        output.WriteLine($"Redis back: first whole page {backAt.ElapsedMilliseconds} ms after both servers were healthy");
        Assert.Equal(second.ArticleIds(), history.ArticleIds());
        Assert.Equal(t1, history.PreTimestamp());
        var older = await fixture.WebClient.FeedAsync(6, t1, reader);
        Assert.Equal(first.ArticleIds(), older.ArticleIds());
        Assert.Equal(0, older.PreTimestamp());

        var fresh = await fixture.WebClient.FeedAsync(6, Api.Now(), reader);
        Assert.Null(fresh.Header("X-Feed-Degraded"));
        Assert.Equal(t1 + 1000, fresh.PreTimestamp());
        Assert.Empty(fresh.ArticleIds().Intersect(first.ArticleIds().Concat(second.ArticleIds())));
    }

    [Fact]
    public async Task After_the_cache_redis_restarts_empty_the_served_counters_agree_with_mysql_within_60_s_without_help()
    {
        // An approved article with likes and reads in MySQL, the truth the counters are rebuilt from.
        long articleId;
        await using (var command = fixture.MySql.CreateCommand("""
            SELECT s.article_id FROM news_article_statistic s JOIN news_article_basic a ON a.article_id = s.article_id
            WHERE a.status = 2 AND s.like_count > 0 AND s.read_count > 0 ORDER BY s.article_id LIMIT 1
            """))
        {
            articleId = Convert.ToInt64(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("no article with likes and reads in the demo data"));
        }

        await fixture.Storage.StopAsync("cache");
        await fixture.Storage.StartAsync("cache");
        // No refill by the test: Web reloads the counters when its connection comes back.
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}");
            // Read after the detail: reports applied meanwhile can only raise MySQL's figures.
            await using var command = fixture.MySql.CreateCommand("SELECT like_count, read_count FROM news_article_statistic WHERE article_id = @a");
            command.Parameters.Add(new MySqlConnector.MySqlParameter("@a", articleId));
            await using var row = await command.ExecuteReaderAsync();
            await row.ReadAsync();
            var truth = (row.GetInt64(0), row.GetInt64(1));
            var shown = detail.Status == HttpStatusCode.OK
                ? (detail.Data.GetProperty("like_count").GetInt64(), detail.Data.GetProperty("read_count").GetInt64())
                : (-1, -1);
            if (shown == truth)
            {
                break;
            }

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60),
                $"60 s after the restart the detail shows {detail.Status} (likes, reads) {shown}; MySQL has {truth}");
            await Task.Delay(200);
        }

        output.WriteLine($"Counters agree with MySQL {stopwatch.ElapsedMilliseconds} ms after the cache server was healthy again");
    }

    [Fact]
    public async Task A_like_committed_while_its_counters_are_being_loaded_from_an_older_reading_of_mysql_is_not_lost()
    {
        var reader = Api.Bearer(fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(944, refresh: false));
        long articleId;
        await using (var command = fixture.MySql.CreateCommand(
            "SELECT a.article_id FROM news_article_basic a WHERE a.status = 2 ORDER BY a.article_id DESC LIMIT 1 OFFSET 7"))
        {
            articleId = Convert.ToInt64(await command.ExecuteScalarAsync());
        }

        var cache = fixture.Cache.GetDatabase();
        var bucket = ArticleCounters.Bucket(articleId);
        try
        {
            // The bucket not loaded, a page's load reads MySQL, the like commits and finds the bucket
            // absent, then the load writes its older reading: the count without the like.
            await cache.KeyDeleteAsync(ArticleCounters.Key(bucket));
            var before = await LikesInMySqlAsync(articleId);
            Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/article/likings", reader, new { target = articleId })).Status);
            Assert.Equal(before + 1, await LikesInMySqlAsync(articleId));
            Assert.True(await cache.LoadIfAbsentAsync(bucket, [KeyValuePair.Create(articleId, new long[] { 0, before, 0, 0 })]));

            var stopwatch = Stopwatch.StartNew();
            long shown;
            while ((shown = ArticleCounters.Parse(await cache.HashGetAsync(ArticleCounters.Key(bucket), articleId))[(int)ArticleCounter.Likes]) != before + 1)
            {
                Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60), $"60 s after the load the cache shows {shown} likes; MySQL has {before + 1}");
                await Task.Delay(100);
            }
        }
        finally
        {
            await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/likings/{articleId}", reader);
            // The made-up reading goes; the next page loads the bucket from MySQL.
            await cache.KeyDeleteAsync(ArticleCounters.Key(bucket));
        }
    }

    private async Task<long> LikesInMySqlAsync(long articleId)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT like_count FROM news_article_statistic WHERE article_id = @a");
        command.Parameters.Add(new MySqlConnector.MySqlParameter("@a", articleId));
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
    }

    [Fact]
    public async Task With_the_state_redis_full_a_fresh_page_is_the_popular_page_from_memory_not_an_error()
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(fixture.Storage.RedisConnectionString);
        options.AllowAdmin = true;
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
        var server = admin.GetServers().Single();
        var limit = (await server.ConfigGetAsync("maxmemory")).Single().Value;
        var reader = Api.Bearer(fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(914, refresh: false));
        Assert.Null((await fixture.WebClient.FeedAsync(9, Api.Now() - 1000, reader)).Header("X-Feed-Degraded"));

        // noeviction at its limit: reads work, every write is refused with OOM.
        await server.ConfigSetAsync("maxmemory", 1);
        try
        {
            var full = await fixture.WebClient.FeedAsync(9, Api.Now(), reader);
            Assert.Equal(HttpStatusCode.OK, full.Status);
            Assert.Equal("redis", full.Header("X-Feed-Degraded"));
            Assert.Equal(10, full.ArticleIds().Count);
        }
        finally
        {
            await server.ConfigSetAsync("maxmemory", limit);
        }

        Assert.Null((await fixture.WebClient.FeedAsync(9, Api.Now() + 1, reader)).Header("X-Feed-Degraded"));
    }

    [Fact]
    public async Task A_fresh_page_whose_redis_round_trip_ran_out_of_its_share_is_served_from_memory_and_not_recorded()
    {
        var user = $"deadline-{Guid.NewGuid():N}";
        var client = new UserRecommend.UserRecommendClient(Grpc.Net.Client.GrpcChannel.ForAddress(fixture.RecoAddress));
        var redis = LocalProcesses.RedisOf(fixture.Storage.Directory, "redis");
        var timestamp = Api.Now();
        // A first call of this process compiles the page's path: not part of what is measured.
        await client.user_recommendAsync(new UserRequest { UserId = $"warm-{Guid.NewGuid():N}", ChannelId = 7, ArticleNum = 10, TimeStamp = timestamp });

        // Redis frozen: the page's script waits in the server while the call's share of its deadline passes.
        await LocalProcesses.SignalAsync(redis.Pid, "STOP");
        try
        {
            var deadline = DateTime.UtcNow.AddMilliseconds(1000);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using var call = client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 7, ArticleNum = 10, TimeStamp = timestamp }, deadline: deadline);
            var page = await call.ResponseAsync;
            Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(1000), $"took {watch.Elapsed}");
            Assert.Equal("redis", (await call.ResponseHeadersAsync).GetValue(PopularPage.DegradedHeader));
            Assert.Equal(10, page.Recommends.Count);
            // The script's own deadline is the end of that share: thaw only once the call's deadline surely passed.
            await Task.Delay(deadline.AddMilliseconds(200) - DateTime.UtcNow is { Ticks: > 0 } rest ? rest : TimeSpan.Zero);
        }
        finally
        {
            await LocalProcesses.SignalAsync(redis.Pid, "CONT");
        }

        // The next refresh finds no page before it and nothing served: the articles were never marked seen.
        var next = await client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 7, ArticleNum = 10, TimeStamp = timestamp + 1000 });
        Assert.Equal(10, next.Recommends.Count);
        Assert.Equal(0, next.TimeStamp);
        Assert.Empty(await fixture.Redis.GetDatabase().SortedSetRangeByScoreAsync(
            reco::Toutiao.Reco.History.UserFeedHistory.PagesKey(user, 7), timestamp, timestamp));
    }

    [Fact]
    public async Task A_restarted_mysql_is_used_again_without_restarting_web_or_reco()
    {
        await fixture.Storage.StopAsync("mysql");
        await fixture.Storage.StartAsync("mysql");

        // An article that is not cached has to come from the restarted server.
        const long id = 12_121;
        await fixture.Cache.GetDatabase().KeyDeleteAsync(Toutiao.Web.Articles.ArticleCacheKeys.Info(id));
        var stopwatch = Stopwatch.StartNew();
        ApiResponse detail;
        var attempts = 0;
        do
        {
            detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{id}");
            attempts++;
        }
        while (detail.Status != HttpStatusCode.OK && stopwatch.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, detail.Status);
        output.WriteLine($"MySQL restarted: article from it after {stopwatch.ElapsedMilliseconds} ms, {attempts} request(s)");
        Assert.Equal(id, detail.Data.GetProperty("art_id").GetInt64());
        var page = await fixture.WebClient.FeedAsync(10, Api.Now(), Api.NewAnonymousReader());
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Null(page.Header("X-Feed-Degraded"));
    }

    /// <summary>The clients reconnect in the background: the first requests after the start may still see Redis down.</summary>
    private static async Task<ApiResponse> WhenRedisIsBackAsync(Func<Task<ApiResponse>> request)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var response = await request();
            Assert.Equal(HttpStatusCode.OK, response.Status);
            if (response.Header("X-Feed-Degraded") is null || stopwatch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return response;
            }

            await Task.Delay(100);
        }
    }
}
