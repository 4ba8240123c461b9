using StackExchange.Redis;
using Toutiao.Contracts.Recall;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Feed;

/// <summary>
/// A channel's popular page, read from the recall sets Reco keeps in Redis: what Web serves when
/// Reco cannot answer. One round trip.
/// </summary>
public sealed class PopularArticles(IConnectionMultiplexer redis, [FromKeyedServices(RedisConnections.State)] StorageGuard guard)
{
    public Task<IReadOnlyList<long>> ReadAsync(int channelId, int count) => guard.RunAsync(async () =>
    {
        var batch = redis.GetDatabase().CreateBatch();
        var hottest = batch.SortedSetRangeByRankAsync(RecallKeys.Hot(channelId), 0, count - 1, Order.Descending);
        var newest = batch.SortedSetRangeByRankAsync(RecallKeys.New(channelId), 0, count - 1, Order.Descending);
        batch.Execute();
        return PopularPage.Interleave(Ids(await hottest), Ids(await newest), count);
    }, CancellationToken.None);

    private static long[] Ids(RedisValue[] members) => Array.ConvertAll(members, member => (long)member);
}
