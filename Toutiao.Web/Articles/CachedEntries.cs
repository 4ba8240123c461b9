namespace Toutiao.Web.Articles;

/// <summary>
/// What the cache held for a page: its ids (pinned first) with their four counters (comments,
/// likes, collects, reads; by index), the infos (null: known not to exist) and authors it had, the
/// article misses, and the ids whose counter bucket is not loaded (their counts are zeros until it is).
/// </summary>
internal sealed record CachedEntries(
    int PinnedCount,
    long[] Ids,
    long[][] Counts,
    Dictionary<long, ArticleInfo?> Articles,
    List<long> ArticleMisses,
    Dictionary<long, AuthorProfile?> Authors,
    List<long> CountMisses)
{
    public static CachedEntries Empty() => new(0, [], RedisPageSource.NoCounts(0), [], [], [], []);
}
