using StackExchange.Redis;

namespace Toutiao.Web.Articles;

/// <summary>
/// A Redis Cluster: the keys of a page live on many nodes and no script may span them, so the
/// reads of <see cref="ScriptPageSource"/> are pipelines that StackExchange.Redis sends to every
/// node at once, one round trip per node in parallel for each step whatever the page's size. The
/// steps depend on each other: the pinned ids (only when asked for), then every info and counter,
/// then the authors the infos name.
/// </summary>
internal sealed class ClusterPageSource(IConnectionMultiplexer redis, ILogger logger) : RedisPageSource(logger)
{
    public override async Task<CachedEntries> ReadAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel)
    {
        var db = redis.GetDatabase();
        var pinned = pinnedOfChannel is { } channel
            ? await db.SortedSetRangeByRankAsync(ArticleCacheKeys.Top(channel), 0, -1, Order.Descending)
            : [];
        long[] ids = [.. pinned.Select(id => (long)id), .. articleIds];
        if (ids.Length == 0)
        {
            return CachedEntries.Empty();
        }

        var batch = db.CreateBatch();
        var infoReads = Array.ConvertAll(ids, id => batch.StringGetAsync(ArticleCacheKeys.Info(id)));
        var countReads = QueueCountReads(batch, ids);
        batch.Execute();
        var (articles, misses) = ParseInfos(ids, await Task.WhenAll(infoReads));
        var (counts, countMisses) = await countReads;

        var authorIds = articles.Values.OfType<ArticleInfo>().Select(info => info.AutId).Distinct().ToArray();
        batch = db.CreateBatch();
        var profileReads = Array.ConvertAll(authorIds, id => batch.StringGetAsync(ArticleCacheKeys.Profile(id)));
        batch.Execute();
        return new CachedEntries(pinned.Length, ids, counts, articles, misses, ParseProfiles(authorIds, await Task.WhenAll(profileReads)), countMisses);
    }
}
