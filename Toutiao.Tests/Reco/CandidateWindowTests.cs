extern alias reco;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;
using CandidateWindow = reco::Toutiao.Reco.Recall.CandidateWindow;
using ChannelDirectory = reco::Toutiao.Reco.Recall.ChannelDirectory;
using FeedRanker = reco::Toutiao.Reco.Recommend.FeedRanker;
using RecallCandidateStore = reco::Toutiao.Reco.Recall.RecallCandidateStore;
using RecommendationOptions = reco::Toutiao.Reco.Recommend.RecommendationOptions;

namespace Toutiao.Tests.Reco;

/// <summary>Reco's candidates are a window of each channel (its newest and its hottest), not every article ever.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class CandidateWindowTests
{
    [Fact]
    public void A_channel_keeps_its_newest_and_its_hottest_and_a_small_one_keeps_all()
    {
        // Ids 1..10: a larger id is newer; 1, 2 and 3 are the hottest.
        var articles = Enumerable.Range(1, 10).Select(n => ((long)n, Time: (double)n, Hot: n <= 3 ? 100d - n : 0d)).ToList();

        Assert.Equal([1, 2, 3, 8, 9, 10], Kept(articles, 3));
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), Kept(articles, 10));
        // Shown in any order, the same window.
        Assert.Equal([1, 2, 3, 8, 9, 10], Kept([.. articles.OrderBy(_ => Random.Shared.Next())], 3));
    }

    private static List<long> Kept(List<(long, double, double)> articles, int count)
    {
        var window = new CandidateWindow(count);
        articles.ForEach(window.Add);
        return [.. window.ToList().Select(a => a.Id).Order()];
    }
}

/// <summary>The window on the demo catalogue, built into a Redis database of its own (the fixture's sets stay as they are).</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class CandidateWindowBuildTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task A_rebuild_keeps_each_channels_newest_and_hottest_in_redis_and_in_memory_and_no_more()
    {
        const int perChannel = 300;
        await InOwnDatabaseAsync(7, async redis =>
        {
            var store = Store(redis, new RecommendationOptions { CandidatesPerChannel = perChannel });

            await store.RebuildAsync(CancellationToken.None);
            await store.RefreshAsync(CancellationToken.None);

            var db = redis.GetDatabase();
            var all = await db.SortedSetRangeByRankAsync(RecallKeys.New(RecommendedChannel.Id));
            var expected = (await IdsAsync("ORDER BY a.create_time DESC, a.article_id DESC")).Union(await IdsAsync("ORDER BY hot DESC, a.article_id DESC")).ToHashSet();
            Assert.True(expected.Count is > perChannel and <= 2 * perChannel);
            Assert.Equal(expected.Order(), all.Select(a => (long)a).Order());
            Assert.Equal(expected.Count, await db.SortedSetLengthAsync(RecallKeys.Hot(RecommendedChannel.Id)));

            var inMemory = await store.GetAsync(RecommendedChannel.Id, CancellationToken.None);
            Assert.Equal(expected.Order(), inMemory.Newest.Order());
            Assert.True((await store.GetCatalogAsync(CancellationToken.None)).Articles.Count <= 2 * perChannel);
            foreach (var channel in await fixture.Reco.Services.GetRequiredService<ChannelDirectory>().GetAllAsync(CancellationToken.None))
            {
                Assert.InRange(await db.SortedSetLengthAsync(RecallKeys.New(channel)), 1, 2 * perChannel);
            }

            foreach (var keyword in (await db.SetMembersAsync(RecallKeys.Keywords)).Take(50))
            {
                Assert.InRange(await db.SortedSetLengthAsync(RecallKeys.Keyword(keyword!)), 1, RecallKeys.ArticlesPerKeyword);
                // Content recall draws from the window too.
                Assert.All(await db.SortedSetRangeByRankAsync(RecallKeys.Keyword(keyword!)), a => Assert.Contains((long)a, expected));
            }
        });
    }

    [Fact]
    public async Task More_articles_approved_since_the_build_than_are_added_at_once_make_a_rebuild_and_only_one()
    {
        await InOwnDatabaseAsync(8, async redis =>
        {
            var store = Store(redis, new RecommendationOptions { CandidatesPerChannel = 300, PublishedAddedAtOnce = 2 });
            await store.RebuildAsync(CancellationToken.None);
            await store.RefreshAsync(CancellationToken.None);
            var db = redis.GetDatabase();
            var firstBuild = (long)await db.StringGetAsync(RecallKeys.BuiltMarker);

            // Three old, cold articles (an import): more than two, and outside the window once built.
            var imported = new List<long>();
            for (var i = 0; i < 3; i++)
            {
                imported.Add(await InsertApprovedAsync("NOW() - INTERVAL 400 DAY"));
            }

            Assert.Equal(0, await store.AddPublishedAsync(CancellationToken.None));
            Assert.NotEqual(firstBuild, (long)await db.StringGetAsync(RecallKeys.BuiltMarker));
            Assert.Equal(imported.Max(), (long)await db.StringGetAsync(RecallKeys.BuiltUpTo));
            Assert.DoesNotContain(imported[0], (await store.GetAsync(RecommendedChannel.Id, CancellationToken.None)).Newest);

            // Past the window's largest id, and not looked for again: no second rebuild.
            var secondBuild = (long)await db.StringGetAsync(RecallKeys.BuiltMarker);
            Assert.Equal(0, await store.AddPublishedAsync(CancellationToken.None));
            Assert.Equal(secondBuild, (long)await db.StringGetAsync(RecallKeys.BuiltMarker));

            // One published now is added as before.
            var published = await InsertApprovedAsync("NOW()");
            Assert.Equal(1, await store.AddPublishedAsync(CancellationToken.None));
            Assert.NotNull(await db.SortedSetScoreAsync(RecallKeys.New(RecommendedChannel.Id), published));
        });
    }

    [Fact]
    public async Task A_rebuild_reads_the_authors_and_keywords_of_the_articles_new_to_the_window_only()
    {
        await InOwnDatabaseAsync(10, async redis =>
        {
            var store = Store(redis, new RecommendationOptions { CandidatesPerChannel = 300 });
            await store.RebuildAsync(CancellationToken.None);
            await store.RefreshAsync(CancellationToken.None);
            var before = await store.GetCatalogAsync(CancellationToken.None);
            var published = await InsertApprovedAsync("NOW()");

            await store.RebuildAsync(CancellationToken.None);
            await store.RefreshAsync(CancellationToken.None);
            var after = await store.GetCatalogAsync(CancellationToken.None);

            // The articles still in the window keep what was read of them: the very same keywords.
            var kept = before.Articles.Where(a => a.Value.Keywords is { Length: > 0 } && after.Articles.ContainsKey(a.Key)).ToList();
            Assert.NotEmpty(kept);
            Assert.All(kept, a => Assert.Same(a.Value.Keywords, after.Articles[a.Key].Keywords));
            // The one new to the window is read.
            Assert.False(before.Articles.ContainsKey(published));
            Assert.Equal(1, after.Articles[published].AuthorId);
        });
    }

    [Fact]
    public async Task A_builder_that_died_holding_the_build_lock_holds_the_others_up_until_its_lease_ends_not_longer()
    {
        await InOwnDatabaseAsync(9, async redis =>
        {
            var store = Store(redis, new RecommendationOptions { CandidatesPerChannel = 300 });
            // What an instance leaves that died building: its lock, with what is left of its lease, and no marker.
            var db = redis.GetDatabase();
            await db.StringSetAsync(RecallKeys.BuildLock, "a builder that died", TimeSpan.FromSeconds(2));

            var waited = System.Diagnostics.Stopwatch.StartNew();
            await store.EnsureBuiltAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

            // Built here once the lease ran out (before, it waited out a two-minute lock and built nothing).
            Assert.True(await db.KeyExistsAsync(RecallKeys.BuiltMarker), $"no sets after {waited.Elapsed}");
            Assert.True(await db.KeyExistsAsync(RecallKeys.New(RecommendedChannel.Id)));
            Assert.False(await db.KeyExistsAsync(RecallKeys.BuildLock));
        });
    }

    /// <summary>Runs <paramref name="test"/> on a Redis database of its own (the fixture's sets stay as they are), emptied before and after.</summary>
    private async Task InOwnDatabaseAsync(int database, Func<IConnectionMultiplexer, Task> test)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{fixture.Storage.RedisConnectionString},defaultDatabase={database},allowAdmin=true");
        var server = redis.GetServers()[0];
        await server.FlushDatabaseAsync(database);
        try
        {
            await test(redis);
        }
        finally
        {
            await server.FlushDatabaseAsync(database);
        }
    }

    /// <summary>A candidate store of its own on <paramref name="redis"/> (a database of the test's), reading the fixture's MySQL.</summary>
    private RecallCandidateStore Store(IConnectionMultiplexer redis, RecommendationOptions settings)
    {
        var options = Options.Create(settings);
        return new RecallCandidateStore(redis, fixture.MySql, fixture.Reco.Services.GetRequiredService<ChannelDirectory>(), new FeedRanker(options),
            TimeProvider.System, options, NullLogger<RecallCandidateStore>.Instance);
    }

    /// <summary>An approved article in channel 1 (the fixture's Reco takes it in like a newsroom's).</summary>
    private async Task<long> InsertApprovedAsync(string createTime)
    {
        await using var command = fixture.MySql.CreateCommand($"""
            INSERT INTO news_article_basic (user_id, channel_id, title, cover, create_time, status, review_time, allow_comment)
            VALUES (1, 1, 'An imported article', JSON_OBJECT('type', 0, 'images', JSON_ARRAY()), {createTime}, 2, NOW(), 1);
            SELECT LAST_INSERT_ID();
            """);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<List<long>> IdsAsync(string order)
    {
        await using var command = fixture.MySql.CreateCommand($"""
            SELECT a.article_id, COALESCE(s.read_count, 0) + 2 * COALESCE(s.like_count, 0) + 3 * COALESCE(s.collect_count, 0) + 4 * COALESCE(s.comment_count, 0) AS hot
            FROM news_article_basic a LEFT JOIN news_article_statistic s ON s.article_id = a.article_id
            WHERE a.status = 2 {order} LIMIT 300
            """);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }
}
