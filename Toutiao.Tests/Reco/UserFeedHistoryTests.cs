extern alias reco;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Tests.Infrastructure;
using RecommendationOptions = reco::Toutiao.Reco.Recommend.RecommendationOptions;
using UserFeedHistory = reco::Toutiao.Reco.History.UserFeedHistory;

namespace Toutiao.Tests.Reco;

/// <summary>Recording fresh pages in Redis, which concurrent refreshes of one reader race for.</summary>
[Collection(ToutiaoCollection.Name)]
public class UserFeedHistoryTests(ToutiaoFixture fixture)
{
    private UserFeedHistory History => fixture.Reco.Services.GetRequiredService<UserFeedHistory>();

    [Fact]
    public async Task Concurrent_fresh_pages_of_one_reader_from_the_same_candidates_never_share_an_article()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var t0 = Api.Now();
        // Every refresh ranked the same candidates, as concurrent requests do before any of them is recorded.
        var candidates = Enumerable.Range(1, 300).Select(i => (long)i).ToList();

        var pages = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => ServeAsync(History, reader, 7, t0 + i * 1000, candidates)));

        var ids = pages.SelectMany(page => page.ArticleIds).ToList();
        Assert.Equal(200, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(candidates.Take(200).Order(), ids.Order());
    }

    [Fact]
    public async Task Too_few_unserved_candidates_in_a_partial_window_write_nothing_and_ask_for_more()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var t1 = Api.Now();
        var candidates = Enumerable.Range(1, 15).Select(i => (long)i).ToArray();
        await ServeAsync(History, reader, 7, t1, candidates);

        // Ids 1-10 are served: the first 12 candidates hold only 2 unserved ones.
        Assert.Null(await History.ServePageAsync(reader, 7, t1 + 1000, candidates.AsMemory(0, 12), allCandidates: false, 10));
        var redis = fixture.Redis.GetDatabase();
        Assert.Equal(1, await redis.SortedSetLengthAsync(UserFeedHistory.PagesKey(reader, 7)));
        Assert.Equal(10, await redis.SortedSetLengthAsync(UserFeedHistory.ServedKey(reader, 7)));

        // Offered everything there is, the reader gets what is left, and it is recorded.
        var rest = await History.ServePageAsync(reader, 7, t1 + 1000, candidates, allCandidates: true, 10);
        Assert.Equal([11L, 12, 13, 14, 15], rest!.ArticleIds);
        Assert.True(rest.Recorded);
    }

    [Fact]
    public async Task A_page_points_at_the_page_before_it_and_a_retry_gets_the_recorded_page()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var t1 = Api.Now();
        var candidates = Enumerable.Range(1, 50).Select(i => (long)i).ToList();

        var first = await ServeAsync(History, reader, 7, t1, candidates);
        var second = await ServeAsync(History, reader, 7, t1 + 1000, candidates);
        Assert.Equal(0, first.PreviousTimestamp);
        Assert.Equal(t1, second.PreviousTimestamp);
        Assert.Equal(candidates.Skip(10).Take(10), second.ArticleIds);

        var retried = await ServeAsync(History, reader, 7, t1 + 1000, candidates);
        Assert.Equal(second.ArticleIds, retried.ArticleIds);
        Assert.Equal(t1, retried.PreviousTimestamp);
        Assert.False(retried.Recorded);
    }

    [Fact]
    public async Task Articles_served_in_the_recommended_channel_are_not_served_again_in_another()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var candidates = Enumerable.Range(1, 30).Select(i => (long)i).ToList();

        var recommended = await ServeAsync(History, reader, 0, Api.Now(), candidates);
        var channel = await ServeAsync(History, reader, 7, Api.Now() + 1, candidates);
        Assert.Empty(recommended.ArticleIds.Intersect(channel.ArticleIds));
    }

    [Fact]
    public async Task A_readers_state_is_bounded_in_size_and_time_and_shorter_for_anonymous_readers_whose_history_is_in_the_cache_server()
    {
        var guard = new Toutiao.Contracts.Storage.StorageGuard("test", isRedis: true, new(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var history = new UserFeedHistory(fixture.Redis, fixture.Cache, guard, guard, Options.Create(new RecommendationOptions
        {
            HistoryPagesKept = 3,
            ServedKept = 25,
            HistoryRetention = TimeSpan.FromDays(30),
            AnonymousHistoryRetention = TimeSpan.FromDays(7),
        }));
        var signedIn = $"{Random.Shared.Next(1_000_000, 9_999_999)}";
        var anonymous = $"anony:bounded-{Guid.NewGuid():N}";
        var candidates = Enumerable.Range(1, 100).Select(i => (long)i).ToList();
        var t0 = Api.Now();
        var lastPages = new Dictionary<string, IReadOnlyList<long>>();
        for (var i = 0; i < 5; i++)
        {
            lastPages[signedIn] = (await ServeAsync(history, signedIn, 7, t0 + i, candidates)).ArticleIds;
            lastPages[anonymous] = (await ServeAsync(history, anonymous, 7, t0 + i, candidates)).ArticleIds;
        }

        foreach (var (reader, retention, server, other) in new[]
                 {
                     (signedIn, TimeSpan.FromDays(30), fixture.Redis, fixture.Cache),
                     (anonymous, TimeSpan.FromDays(7), fixture.Cache, fixture.Redis),
                 })
        {
            var redis = server.GetDatabase();
            Assert.False(await other.GetDatabase().KeyExistsAsync(UserFeedHistory.PagesKey(reader, 7)));
            Assert.Equal(3, await redis.SortedSetLengthAsync(UserFeedHistory.PagesKey(reader, 7)));
            // The newest 25 served ids are kept (older ones may be served again, the price of the bound).
            var served = (await redis.SortedSetRangeByRankAsync(UserFeedHistory.ServedKey(reader, 7))).Select(id => (long)id).ToList();
            Assert.Equal(25, served.Count);
            Assert.Equal(10, lastPages[reader].Count);
            Assert.Subset(served.ToHashSet(), lastPages[reader].ToHashSet());
            foreach (var key in new[] { UserFeedHistory.PagesKey(reader, 7), UserFeedHistory.ServedKey(reader, 7) })
            {
                var ttl = await redis.KeyTimeToLiveAsync(key);
                Assert.NotNull(ttl);
                Assert.InRange(ttl.Value, retention - TimeSpan.FromMinutes(1), retention);
            }
        }
    }

    [Fact]
    public async Task Mixed_candidates_give_each_source_its_places_from_what_the_reader_was_not_served()
    {
        var reader = $"history-{Guid.NewGuid():N}";
        var t1 = Api.Now();
        // Source 0: 1..20, source 1: 101..120, alternating; the reader was served 101..110 before.
        long[] candidates = [.. Enumerable.Range(0, 20).SelectMany(i => new long[] { 1 + i, 101 + i })];
        int[] sources = [.. Enumerable.Range(0, 40).Select(i => i % 2)];
        await ServeAsync(History, reader, 0, t1, Enumerable.Range(101, 10).Select(i => (long)i).ToList());

        var page = await History.ServePageAsync(reader, 0, t1 + 1000, candidates, allCandidates: false, 10, mix: (["7", "3"], sources));

        // Source 1's three places go to its first unserved, though they come after source 0's eighth.
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 111, 112, 113], page!.ArticleIds);
        Assert.True(page.Recorded);
        // Everything before the first unserved one left over (8, over source 0's places) is served now or before.
        Assert.Equal(14, page.Examined);

        // A source with more candidates than offered and too few unserved among them: more, nothing written.
        var more = await History.ServePageAsync(reader, 0, t1 + 2000, candidates.AsMemory(0, 30), allCandidates: false, 10, mix: (["5", "5"], sources));
        Assert.Null(more);
        // The same source with nothing more: its places go to the others' unserved, in the candidates' order.
        var filled = await History.ServePageAsync(reader, 0, t1 + 2000, candidates.AsMemory(0, 30), allCandidates: false, 10, mix: (["5", "5s"], sources));
        Assert.Equal([8L, 9, 10, 11, 12, 13, 14, 114, 15, 115], filled!.ArticleIds);
    }

    private static async Task<reco::Toutiao.Reco.History.ServedPage> ServeAsync(UserFeedHistory history, string reader, int channel, long timestamp, IReadOnlyList<long> candidates)
        => (await history.ServePageAsync(reader, channel, timestamp, candidates.ToArray(), allCandidates: true, 10))!;
}

/// <summary>The same tests with Web and Reco on a Redis Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UserFeedHistoryOnClusterTests(ClusterToutiaoFixture fixture) : UserFeedHistoryTests(fixture);
