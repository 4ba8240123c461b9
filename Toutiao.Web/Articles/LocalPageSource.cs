using StackExchange.Redis;

namespace Toutiao.Web.Articles;

/// <summary>
/// A page from this process's memory (<see cref="LocalCardCache"/>), with the live counters it
/// does not hold from Redis in one pipeline of plain reads (none when it holds them all), and what
/// pages read elsewhere found, for the next ones.
/// </summary>
internal sealed class LocalPageSource(IConnectionMultiplexer redis, LocalCardCache local)
{
    /// <summary>
    /// The page as far as memory holds it, with no I/O (so it needs no guard): null when a card's part
    /// is not here; else the page with <paramref name="unknownCounts"/>, the indexes whose counts
    /// are not here either (null: the page is whole), for <see cref="ReadCountsAsync"/>.
    /// </summary>
    public CachedEntries? TryRead(IReadOnlyList<long> articleIds, int? pinnedOfChannel, out List<int>? unknownCounts)
    {
        unknownCounts = null;
        long[] pinned = [];
        if (pinnedOfChannel is { } channel && !local.TryGetPinned(channel, out pinned))
        {
            return null;
        }

        long[] ids = [.. pinned, .. articleIds];
        var articles = new Dictionary<long, ArticleInfo?>(ids.Length);
        var authors = new Dictionary<long, AuthorProfile?>(ids.Length);
        foreach (var id in ids)
        {
            if (!local.TryGetArticle(id, out var info))
            {
                return null;
            }

            articles[id] = info;
            if (info is not null && !authors.ContainsKey(info.AutId))
            {
                if (!local.TryGetAuthor(info.AutId, out var author))
                {
                    return null;
                }

                authors[info.AutId] = author;
            }
        }

        if (ids.Length == 0)
        {
            return CachedEntries.Empty();
        }

        var counts = RedisPageSource.NoCounts(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            if (local.TryGetCounts(ids[i], out var four))
            {
                RedisPageSource.SetCounts(counts, i, four);
            }
            else
            {
                (unknownCounts ??= []).Add(i);
            }
        }

        return new CachedEntries(pinned.Length, ids, counts, articles, [], authors, []);
    }

    /// <summary>The counts memory did not hold (<paramref name="unknown"/>, from <see cref="TryRead"/>), in one pipeline of plain reads.</summary>
    public async Task<CachedEntries> ReadCountsAsync(CachedEntries page, List<int> unknown)
    {
        // Taken before the read: a change heard after it may be newer than what the read finds.
        var version = local.CountsVersion;
        long[] unknownIds = [.. unknown.Select(i => page.Ids[i])];
        var batch = redis.GetDatabase().CreateBatch();
        var countReads = RedisPageSource.QueueCountReads(batch, unknownIds);
        batch.Execute();
        var (read, countMisses) = await countReads;
        var missed = countMisses.ToHashSet();
        for (var u = 0; u < unknown.Count; u++)
        {
            long[] four = [read[0][u], read[1][u], read[2][u], read[3][u]];
            RedisPageSource.SetCounts(page.Counts, unknown[u], four);
            if (!missed.Contains(unknownIds[u]))
            {
                local.RememberCounts(version, unknownIds[u], four);
            }
        }

        return page with { CountMisses = countMisses };
    }

    /// <summary>What a page read from Redis or MySQL found, for the next pages of this process.</summary>
    public void Remember(int? pinnedOfChannel, long[] pinned, Dictionary<long, ArticleInfo?> articles, Dictionary<long, AuthorProfile?> authors)
    {
        if (pinnedOfChannel is { } channel)
        {
            local.RememberPinned(channel, pinned);
        }

        foreach (var (id, info) in articles)
        {
            local.RememberArticle(id, info);
        }

        foreach (var (id, author) in authors)
        {
            local.RememberAuthor(id, author);
        }
    }
}
