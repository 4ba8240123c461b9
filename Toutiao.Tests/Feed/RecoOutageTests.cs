using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Feed;

/// <summary>
/// Reco down, silent or back again, seen from the feed: a degraded page within the deadline, at
/// once while the circuit breaker is open, personalised again within a second of Reco's return.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class RecoOutageTests(ToutiaoFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Reco_down_is_the_channels_popular_page_marked_degraded_within_the_deadline()
    {
        var port = Ports.Free();
        using var deadReco = Ports.Refusing();
        await using var web = fixture.StartWeb(port, new Uri($"http://127.0.0.1:{deadReco.Port}"), "Development");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.FeedAsync(2, Api.Now());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4), $"took {stopwatch.Elapsed}");
        output.WriteLine($"Reco's port closed: degraded page in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("reco", response.Header("X-Feed-Degraded"));

        Assert.Equal(0, response.PreTimestamp());
        var ids = response.ArticleIds();
        Assert.Equal(10, ids.Distinct().Count());
        var hottest = (long)(await fixture.Redis.GetDatabase().SortedSetRangeByRankAsync(RecallKeys.Hot(2), 0, 0, StackExchange.Redis.Order.Descending))[0];
        Assert.Equal(hottest, ids[0]);

        // The bench's bare call to Reco says so too, as a 503.
        var check = await client.SendAsync(HttpMethod.Get, "/debug/reco-check");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, check.Status);
        Assert.Equal("Reco did not answer: Unavailable.", check.Message);
    }

    [Fact]
    public async Task Reco_and_redis_down_is_a_503_with_a_message()
    {
        var port = Ports.Free();
        using var deadReco = Ports.Refusing();
        using var deadRedis = Ports.Refusing();
        await using var web = fixture.StartWeb(port, new Uri($"http://127.0.0.1:{deadReco.Port}"), "Development", overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = $"127.0.0.1:{deadRedis.Port},connectTimeout=300,syncTimeout=300,asyncTimeout=300",
        });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var response = await client.FeedAsync(1, Api.Now());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.Status);
        Assert.Equal("Recommendation service is unavailable.", response.Message);
    }

    [Fact]
    public async Task Reco_silent_past_the_deadline_is_a_degraded_page_within_the_deadline_then_at_once_while_the_breaker_is_open()
    {
        // Accepts connections and never says a word: every call runs into its deadline.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await silent.AcceptSocketAsync());
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Stopped at the end of the test.
            }
        });
        var port = Ports.Free();
        await using var web = fixture.StartWeb(port, new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}"), "Development",
            overrides: new Dictionary<string, string?> { ["Reco:Deadline"] = "00:00:01" });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // The first request of a new process also pays for its start-up: not timed.
        Assert.Equal("reco", (await client.FeedAsync(2, Api.Now(), Api.NewAnonymousReader())).Header("X-Feed-Degraded"));

        // With it, enough failed calls to open the breaker (4, at least half of them failed).
        var stopwatch = Stopwatch.StartNew();
        var pages = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.FeedAsync(2, Api.Now(), Api.NewAnonymousReader())));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), $"took {stopwatch.Elapsed} with a 1 s deadline");
        output.WriteLine($"Reco silent, 1 s deadline: 3 degraded pages at once in {stopwatch.ElapsedMilliseconds} ms");
        Assert.All(pages, page =>
        {
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Equal("reco", page.Header("X-Feed-Degraded"));
            Assert.Equal(10, page.ArticleIds().Count);
        });

        stopwatch.Restart();
        var whileOpen = await client.FeedAsync(2, Api.Now(), Api.NewAnonymousReader());
        Assert.Equal("reco", whileOpen.Header("X-Feed-Degraded"));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(500), $"took {stopwatch.Elapsed} with the breaker open");
        output.WriteLine($"Breaker open: degraded page in {stopwatch.ElapsedMilliseconds} ms");
        silent.Stop();
        accepted.ForEach(socket => socket.Dispose());
    }

    [Fact]
    public async Task After_reco_returns_the_first_personalised_page_comes_within_a_second()
    {
        var recoPort = Ports.Free();
        var port = Ports.Free();
        await using var web = fixture.StartWeb(port, new Uri($"http://127.0.0.1:{recoPort}"), "Development");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var reader = Api.NewAnonymousReader();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("reco", (await client.FeedAsync(2, Api.Now(), reader)).Header("X-Feed-Degraded"));
        }

        await using var reco = fixture.StartReco(recoPort, fixture.Storage.RedisConnectionString, fixture.Storage.RecoMySqlConnectionString);
        var direct = new UserRecommend.UserRecommendClient(GrpcChannel.ForAddress($"http://127.0.0.1:{recoPort}"));
        await direct.user_recommendAsync(new UserRequest { UserId = "probe", ChannelId = 2, ArticleNum = 1, TimeStamp = Api.Now() });

        // Reco answers: from now on, how long until Web uses it again?
        var stopwatch = Stopwatch.StartNew();
        ApiResponse page;
        do
        {
            page = await client.FeedAsync(2, Api.Now(), reader);
            Assert.Equal(HttpStatusCode.OK, page.Status);
        }
        while (page.Header("X-Feed-Degraded") is not null && stopwatch.Elapsed < TimeSpan.FromSeconds(5));

        Assert.Null(page.Header("X-Feed-Degraded"));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"personalised again after {stopwatch.Elapsed}");
        output.WriteLine($"Reco back: personalised again after {stopwatch.ElapsedMilliseconds} ms");
        // Personalised: the tracking strings name this reader.
        Assert.Contains("anony:", page.Data.GetProperty("results")[0].GetProperty("trace").GetProperty("click").GetString());
    }

    [Fact]
    public async Task With_reco_gone_a_reader_still_gets_the_pages_just_served_from_webs_memory()
    {
        var recoPort = Ports.Free();
        var port = Ports.Free();
        var reco = fixture.StartReco(recoPort, fixture.Storage.RedisConnectionString, fixture.Storage.RecoMySqlConnectionString);
        await using var web = fixture.StartWeb(port, new Uri($"http://127.0.0.1:{recoPort}"), "Development");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var reader = Api.NewAnonymousReader();
        long t1;
        ApiResponse first, second, third;
        await using (reco)
        {
            // Reco's first answers after its start may outlast the deadline: a degraded page is recorded nowhere.
            var stopwatch = Stopwatch.StartNew();
            do
            {
                first = await client.FeedAsync(2, t1 = Api.Now(), reader);
            }
            while (first.Header("X-Feed-Degraded") is not null && stopwatch.Elapsed < TimeSpan.FromSeconds(10));

            second = await client.FeedAsync(2, t1 + 1000, reader);
            third = await client.FeedAsync(2, t1 + 2000, reader);
        }

        Assert.Null(first.Header("X-Feed-Degraded"));
        Assert.Null(third.Header("X-Feed-Degraded"));
        Assert.Equal(t1 + 1000, third.PreTimestamp());

        // Reco is gone: paging back, and a retry of the last refresh, are the recorded pages, not degraded.
        var back = await client.FeedAsync(2, third.PreTimestamp(), reader);
        Assert.Null(back.Header("X-Feed-Degraded"));
        Assert.Equal(second.ArticleIds(), back.ArticleIds());
        Assert.Equal(t1, back.PreTimestamp());
        var retry = await client.FeedAsync(2, t1 + 2000, reader);
        Assert.Equal(third.ArticleIds(), retry.ArticleIds());
        // A reader's first page is noted, not kept (most are never asked for again): without Reco, the popular page.
        Assert.Equal("reco", (await client.FeedAsync(2, t1, reader)).Header("X-Feed-Degraded"));
        // A new refresh needs Reco: the popular page instead.
        Assert.Equal("reco", (await client.FeedAsync(2, Api.Now() + 2000, reader)).Header("X-Feed-Degraded"));
    }
}
