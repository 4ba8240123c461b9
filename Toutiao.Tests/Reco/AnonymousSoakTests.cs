using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using StackExchange.Redis;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;
using Xunit.Abstractions;

namespace Toutiao.Tests.Reco;

/// <summary>
/// A flood of invented anonymous reader ids, each a fresh page: their history goes to the cache
/// server, which stays under its memory limit by forgetting the least recently active readers,
/// while the state server (signed-in readers' history) does not grow at all.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class AnonymousSoakTests(ToutiaoFixture fixture, ITestOutputHelper output)
{
    private const long Headroom = 1024 * 1024;

    [Fact]
    public async Task Invented_anonymous_ids_keep_the_cache_under_its_limit_and_leave_the_state_server_flat()
    {
        var cacheServer = await AdminAsync(fixture.Storage.CacheConnectionString);
        var stateServer = await AdminAsync(fixture.Storage.RedisConnectionString);
        var originalLimit = (await cacheServer.GetServers().Single().ConfigGetAsync("maxmemory")).Single().Value;
        var stateBefore = await UsedMemoryAsync(stateServer);
        var limit = await UsedMemoryAsync(cacheServer) + Headroom;
        await cacheServer.GetServers().Single().ConfigSetAsync("maxmemory", limit);
        var evictedBefore = await StatAsync(cacheServer, "evicted_keys");
        try
        {
            var client = new UserRecommend.UserRecommendClient(GrpcChannel.ForAddress(fixture.RecoAddress));
            var samples = new List<long>();
            var requests = 0;
            var failures = new List<string>();
            var stopwatch = Stopwatch.StartNew();
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    samples.Add(await UsedMemoryAsync(cacheServer));
                    await Task.Delay(250, CancellationToken.None);
                }
            });

            // Until the limit has been reached and then held for as many requests again.
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref requests) <= 6_000)
                {
                    try
                    {
                        var page = await client.user_recommendAsync(new UserRequest
                        {
                            UserId = $"anony:soak-{Guid.NewGuid():N}",
                            ChannelId = 1 + requests % 25,
                            ArticleNum = 10,
                            TimeStamp = Api.Now(),
                        });
                        if (page.Recommends.Count != 10)
                        {
                            lock (failures) { failures.Add($"{page.Recommends.Count} articles"); }
                        }
                    }
                    catch (RpcException ex)
                    {
                        lock (failures) { failures.Add(ex.Status.ToString()); }
                    }
                }
            })));
            await sampling.CancelAsync();
            await sampler;

            var evicted = await StatAsync(cacheServer, "evicted_keys") - evictedBefore;
            var stateAfter = await UsedMemoryAsync(stateServer);
            output.WriteLine(FormattableString.Invariant(
                $"{DateTime.UtcNow:yyyy-MM-dd}: 6,000 anonymous readers in {stopwatch.Elapsed.TotalSeconds:0.0} s; cache limit {limit / 1024} KB, peak {samples.Max() / 1024} KB, last {samples[^1] / 1024} KB, {evicted} keys evicted; state server {stateBefore / 1024} KB -> {stateAfter / 1024} KB"));

            Assert.Empty(failures);
            Assert.True(evicted > 0, "the soak never reached the cache's limit");
            // Redis checks the limit before each write, so it overshoots by at most one script's writes.
            Assert.True(samples.Max() <= limit + 256 * 1024, $"peak {samples.Max()} over the limit {limit}");
            Assert.True(stateAfter - stateBefore < 512 * 1024, $"the state server grew from {stateBefore} to {stateAfter}");
        }
        finally
        {
            await cacheServer.GetServers().Single().ConfigSetAsync("maxmemory", originalLimit);
            // Counters or pins evicted under the squeeze come back, as after a cache restart.
            await fixture.WebService<ArticleCacheWarmer>().WarmAsync(CancellationToken.None);
            await cacheServer.DisposeAsync();
            await stateServer.DisposeAsync();
        }
    }

    private static async Task<ConnectionMultiplexer> AdminAsync(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AllowAdmin = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    private static async Task<long> UsedMemoryAsync(IConnectionMultiplexer redis) => await StatAsync(redis, "used_memory");

    private static async Task<long> StatAsync(IConnectionMultiplexer redis, string name)
    {
        var info = await redis.GetServers().Single().InfoAsync();
        return long.Parse(info.SelectMany(group => group).Single(pair => pair.Key == name).Value, CultureInfo.InvariantCulture);
    }
}
