using StackExchange.Redis;

namespace Toutiao.Web.Feed;

/// <summary>
/// A channel's hottest and newest articles, read from the recall sets Reco keeps in Redis
/// (<c>ch:{channel}:hot</c>, <c>ch:{channel}:new</c>): the non-personalised page Web serves
/// when Reco cannot answer. One round trip.
/// </summary>
public sealed class PopularArticles(IConnectionMultiplexer redis)
{
    public async Task<IReadOnlyList<long>> ReadAsync(int channelId, int count)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var hottest = batch.SortedSetRangeByRankAsync($"ch:{channelId}:hot", 0, count - 1, Order.Descending);
        var newest = batch.SortedSetRangeByRankAsync($"ch:{channelId}:new", 0, count - 1, Order.Descending);
        batch.Execute();
        var (hot, fresh) = (await hottest, await newest);

        // Hot and new in turns, each article once.
        var page = new List<long>(count);
        for (var i = 0; page.Count < count && (i < hot.Length || i < fresh.Length); i++)
        {
            foreach (var list in new[] { hot, fresh })
            {
                if (i < list.Length && page.Count < count && !page.Contains((long)list[i]))
                {
                    page.Add((long)list[i]);
                }
            }
        }

        return page;
    }
}
