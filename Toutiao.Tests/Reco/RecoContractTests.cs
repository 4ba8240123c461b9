extern alias reco;
using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;
using ProfileSignal = reco::Toutiao.Reco.Profiles.ProfileSignal;
using ReaderProfileStore = reco::Toutiao.Reco.Profiles.ReaderProfileStore;
using RecallCandidateStore = reco::Toutiao.Reco.Recall.RecallCandidateStore;

namespace Toutiao.Tests.Reco;

/// <summary>Reco called directly by a client compiled from the original system's reco.proto.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class RecoContractTests(ToutiaoFixture fixture)
{
    private UserRecommend.UserRecommendClient Client() => new(GrpcChannel.ForAddress(fixture.RecoAddress));

    [Fact]
    public async Task A_fresh_page_has_exposure_and_tracks_in_the_original_shape()
    {
        var user = "u" + Guid.NewGuid().ToString("N");
        var response = await Client().user_recommendAsync(new UserRequest { UserId = user, ChannelId = 2, ArticleNum = 5, TimeStamp = Api.Now() });

        Assert.Equal(5, response.Recommends.Count);
        Assert.Equal(0, response.TimeStamp);
        var ids = response.Recommends.Select(a => a.ArticleId).ToList();
        var exposure = JsonDocument.Parse(response.Exposure).RootElement;
        Assert.Equal("exposure", exposure.GetProperty("action").GetString());
        Assert.Equal(user, exposure.GetProperty("userId").GetString());
        Assert.Equal("[" + string.Join(", ", ids) + "]", exposure.GetProperty("articleId").GetString());
        Assert.Equal(AlgorithmBucket.For(user), exposure.GetProperty("algorithmCombine").GetString());

        foreach (var article in response.Recommends)
        {
            foreach (var (action, json) in new[] { ("click", article.Track.Click), ("collect", article.Track.Collect), ("share", article.Track.Share), ("read", article.Track.Read) })
            {
                var track = JsonDocument.Parse(json).RootElement;
                Assert.Equal(action, track.GetProperty("action").GetString());
                Assert.Equal(user, track.GetProperty("userId").GetString());
                Assert.Equal(article.ArticleId.ToString(), track.GetProperty("articleId").GetString());
            }
        }
    }

    [Fact]
    public async Task A_history_page_has_no_exposure_and_points_to_the_next_older_page()
    {
        var client = Client();
        var user = "u" + Guid.NewGuid().ToString("N");
        var t1 = Api.Now();
        var first = await client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 0, ArticleNum = 3, TimeStamp = t1 });
        var second = await client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 0, ArticleNum = 3, TimeStamp = t1 + 10 });
        Assert.Equal(t1, second.TimeStamp);

        var history = await client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 0, ArticleNum = 3, TimeStamp = t1 });
        Assert.Equal("", history.Exposure);
        Assert.Equal(first.Recommends.Select(a => a.ArticleId), history.Recommends.Select(a => a.ArticleId));
        Assert.Equal(0, history.TimeStamp);

        // A time between two pages names no page: a refresh that arrived late gets a page of its own.
        var late = await client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 0, ArticleNum = 3, TimeStamp = t1 + 5 });
        Assert.NotEqual("", late.Exposure);
        Assert.Equal(t1, late.TimeStamp);
        Assert.Empty(late.Recommends.Select(a => a.ArticleId)
            .Intersect(first.Recommends.Concat(second.Recommends).Select(a => a.ArticleId)));
    }

    [Theory]
    [InlineData("1", "Algo-1")]  // md5 c4ca...
    [InlineData("", "Algo-1")]   // md5 d41d...: d is the last digit of Algo-1
    [InlineData("10", "Algo-1")] // md5 d3d9...
    [InlineData("3", "Algo-2")]  // md5 eccb...
    [InlineData("5", "Algo-2")]  // md5 e4da...
    public void The_ab_bucket_is_the_first_hex_digit_of_md5(string userId, string bucket)
        => Assert.Equal(bucket, AlgorithmBucket.For(userId));

    [Theory]
    [InlineData(2, 0, "article_num")]
    [InlineData(2, 51, "article_num")]
    [InlineData(-1, 5, "channel_id")]
    [InlineData(999, 5, "channel_id")]
    public async Task Invalid_requests_are_invalid_argument_naming_the_field(int channel, int articleNum, string field)
    {
        var call = Client().user_recommendAsync(new UserRequest { UserId = "x", ChannelId = channel, ArticleNum = articleNum, TimeStamp = Api.Now() });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(6 * 60_000L)] // six minutes ahead of now
    [InlineData(long.MaxValue)]
    public async Task A_negative_or_future_timestamp_is_invalid_argument(long timestamp)
    {
        var value = timestamp is > 0 and < long.MaxValue ? Api.Now() + timestamp : timestamp;
        var call = Client().user_recommendAsync(new UserRequest { UserId = "x", ChannelId = 1, ArticleNum = 5, TimeStamp = value });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("time_stamp", error.Status.Detail);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]                  // a truncated varint tag
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x7D })] // {"a":1}, JSON where protobuf belongs
    public async Task A_body_that_is_not_a_user_request_is_invalid_argument(byte[] body)
    {
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "UserRecommend", "user_recommend",
            Marshallers.Create((byte[] b) => b, b => b), Marshallers.Create((byte[] b) => b, b => b));
        var call = GrpcChannel.ForAddress(fixture.RecoAddress).CreateCallInvoker().AsyncUnaryCall(raw, null, new CallOptions(), body);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("not a UserRequest", error.Status.Detail);
    }

    [Fact]
    public async Task Recall_sets_gone_under_a_standing_marker_are_rebuilt_not_an_empty_page()
    {
        var redis = fixture.Redis.GetDatabase();
        var builtBefore = await redis.StringGetAsync(RecallKeys.BuiltMarker);
        Assert.False(builtBefore.IsNull);
        var sets = Enumerable.Range(0, 30).SelectMany(channel => new StackExchange.Redis.RedisKey[]
        {
            RecallKeys.New(channel), RecallKeys.Hot(channel),
        }).ToArray();
        Assert.True(await redis.KeyDeleteAsync(sets) > 0);

        // Pages come from Reco's copy in memory meanwhile; its next check of the sets rebuilds them.
        var stopwatch = Stopwatch.StartNew();
        do
        {
            var page = await Client().user_recommendAsync(new UserRequest { UserId = "u" + Guid.NewGuid().ToString("N"), ChannelId = 8, ArticleNum = 5, TimeStamp = Api.Now() });
            Assert.Equal(5, page.Recommends.Count);
            await Task.Delay(100);
        }
        // Until the rebuild is whole: its marker, written last, is a new one. (Waiting only for the
        // first sets let the next test count the rebuild's writes as its pages' Redis operations.)
        while (await redis.StringGetAsync(RecallKeys.BuiltMarker) == builtBefore && stopwatch.Elapsed < TimeSpan.FromSeconds(30));

        Assert.NotEqual(builtBefore, await redis.StringGetAsync(RecallKeys.BuiltMarker));
        Assert.True(await redis.KeyExistsAsync(RecallKeys.New(8)), $"not rebuilt after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task A_fresh_page_and_a_history_page_are_one_redis_round_trip_each_and_an_anonymous_page_none()
    {
        var state = fixture.Reco.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        var cache = fixture.Reco.Services.GetRequiredKeyedService<StackExchange.Redis.IConnectionMultiplexer>(Microsoft.Extensions.Hosting.RedisConnections.Cache);
        long Operations() => state.GetCounters().Interactive.OperationCount + cache.GetCounters().Interactive.OperationCount;
        var client = Client();
        var user = "u" + Guid.NewGuid().ToString("N");
        var t1 = Api.Now();
        await client.user_recommendAsync(new UserRequest { UserId = "warm-up", ChannelId = 4, ArticleNum = 10, TimeStamp = t1 });
        // Earlier tests' behaviours still being applied would read and acknowledge on these very
        // connections during every measurement: wait until the consumer has caught up.
        await fixture.BehaviorsAppliedAsync();
        // Nor may a rebuild of the recall sets (another test's) write on them meanwhile.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await state.GetDatabase().KeyExistsAsync(RecallKeys.BuildLock))
        {
            Assert.True(DateTime.UtcNow < deadline, "the recall sets were still being rebuilt");
            await Task.Delay(50);
        }

        // Nor a reload of Reco's copy of them (hot scores raised by those behaviours, say), which
        // reads every channel's sets a pipeline at a time: reloaded now, it is current.
        await fixture.Reco.Services.GetRequiredService<RecallCandidateStore>().RefreshAsync(CancellationToken.None);

        // Background work on the same connections (the candidates' marker check every 2 s at most,
        // the behaviour consumer's reads and reclaims) may land inside a measurement, more often
        // on a loaded machine: the least of five is the page's own count.
        // Should the count be off, the message says what the server ran meanwhile (MONITOR).
        await using var monitor = await RedisMonitor.StartAsync(fixture.Storage.RedisConnectionString);
        async Task<(long Least, string All)> LeastOperationsAsync(Func<int, UserRequest> request)
        {
            var counts = new List<(long Count, List<string> Commands)>();
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var seen = monitor.Count;
                var before = Operations();
                Assert.Equal(10, (await client.user_recommendAsync(request(attempt))).Recommends.Count);
                counts.Add((Operations() - before, monitor.Lines(seen)));
            }

            var least = counts.MinBy(c => c.Count);
            return (least.Count, string.Join(", ", counts.Select(c => c.Count)) + "; the state server ran meanwhile:\n" + string.Join("\n", least.Commands));
        }

        var fresh = await LeastOperationsAsync(i => new UserRequest { UserId = user, ChannelId = 4, ArticleNum = 10, TimeStamp = t1 + i });
        Assert.True(fresh.Least == 1, $"fresh pages: {fresh.All} Redis operations");
        var history = await LeastOperationsAsync(_ => new UserRequest { UserId = user, ChannelId = 4, ArticleNum = 10, TimeStamp = t1 });
        Assert.True(history.Least == 1, $"history pages: {history.All} Redis operations");
        var anonymous = await LeastOperationsAsync(_ => new UserRequest { UserId = "", ChannelId = 4, ArticleNum = 10, TimeStamp = t1 });
        Assert.True(anonymous.Least == 0, $"pages without a reader: {anonymous.All} Redis operations");

        // 推荐 for a reader without a profile: the same one trip (the script looks for the profile).
        var recommended = await LeastOperationsAsync(i => new UserRequest { UserId = user, ChannelId = 0, ArticleNum = 10, TimeStamp = t1 + 100 + i });
        Assert.True(recommended.Least == 1, $"pages of 推荐 without a profile: {recommended.All} Redis operations");
        // With a profile: a second trip for the page mixed by it; its history is one trip again.
        // (Not in bucket f, which the fixture makes a control group without profiles.)
        var profiled = Enumerable.Range(0, 100).Select(_ => "p" + Guid.NewGuid().ToString("N")).First(id => AlgorithmBucket.Digit(id) != 0xf);
        await fixture.Reco.Services.GetRequiredService<ReaderProfileStore>().ApplyAsync([new ProfileSignal(profiled, 5, 3, t1)], t1);
        var profiledFresh = await LeastOperationsAsync(i => new UserRequest { UserId = profiled, ChannelId = 0, ArticleNum = 10, TimeStamp = t1 + i });
        Assert.True(profiledFresh.Least == 2, $"pages of 推荐 with a profile: {profiledFresh.All} Redis operations");
        var profiledHistory = await LeastOperationsAsync(_ => new UserRequest { UserId = profiled, ChannelId = 0, ArticleNum = 10, TimeStamp = t1 });
        Assert.True(profiledHistory.Least == 1, $"history pages of 推荐 with a profile: {profiledHistory.All} Redis operations");
    }

    [Fact]
    public async Task A_reader_who_has_read_deep_is_offered_candidates_from_where_the_last_page_stopped()
    {
        var client = Client();
        var user = "deep-" + Guid.NewGuid().ToString("N");
        var t0 = Api.Now() - 60_000;
        var served = new List<long>();
        for (var page = 0; page < 12; page++)
        {
            served.AddRange((await client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 9, ArticleNum = 10, TimeStamp = t0 + page })).Recommends.Select(a => a.ArticleId));
        }

        var trace = TestTrace.New();
        ArticleResponse next;
        using (trace.Begin())
        {
            next = await client.user_recommendAsync(new UserRequest { UserId = user, ChannelId = 9, ArticleNum = 10, TimeStamp = t0 + 100 });
        }

        // 120 served: the next page starts at the 121st candidate of the ranking, not at the top again.
        Assert.Equal(120, served.Distinct().Count());
        Assert.Empty(next.Recommends.Select(a => a.ArticleId).Intersect(served));
        var recall = Assert.Single(trace.SpansIn(fixture.Spans), s => s.DisplayName == "reco recall");
        Assert.Equal(120, recall.GetTagItem("toutiao.reco.start"));
    }

    [Fact]
    public async Task Storage_down_is_unavailable_quickly()
    {
        var port = Ports.Free();
        using var redisPort = Ports.Refusing();
        using var mySqlPort = Ports.Refusing();
        var deadRedis = $"127.0.0.1:{redisPort.Port}";
        var deadMySql = $"Server=127.0.0.1;Port={mySqlPort.Port};User ID=root;Password=x;Database=toutiao";
        await using var host = fixture.StartReco(port, deadRedis, deadMySql);
        var client = new UserRecommend.UserRecommendClient(GrpcChannel.ForAddress($"http://127.0.0.1:{port}"));

        // One untimed call first: the host's first request pays for JIT and the channel's connection.
        await Assert.ThrowsAsync<RpcException>(() => client.user_recommendAsync(
            new UserRequest { UserId = "x", ChannelId = 1, ArticleNum = 5, TimeStamp = Api.Now() }).ResponseAsync);

        foreach (var channel in new[] { 0, 3 })
        {
            var stopwatch = Stopwatch.StartNew();
            var call = client.user_recommendAsync(new UserRequest { UserId = "x", ChannelId = channel, ArticleNum = 5, TimeStamp = Api.Now() });
            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            // Unreachable storage fails at once (no backlog wait): measured 10-50 ms here.
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
        }
    }
}
