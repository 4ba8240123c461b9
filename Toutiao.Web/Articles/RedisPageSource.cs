using System.Text.Json;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;

namespace Toutiao.Web.Articles;

/// <summary>
/// Reads a page's entries from Redis: the pinned ids (when asked for), every <c>art:{id}:info</c>,
/// the four counts of each (<c>count:art:{bucket}</c>) and the authors' <c>user:{id}:profile</c>. How many round
/// trips that takes depends on the server: see <see cref="ScriptPageSource"/> and
/// <see cref="ClusterPageSource"/>.
/// </summary>
internal abstract partial class RedisPageSource(ILogger logger)
{
    public abstract Task<CachedEntries> ReadAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel);

    /// <summary>
    /// The four counters of every id, queued on a batch: one <c>HMGET</c> per counter bucket, one round
    /// trip (on a cluster, one per node holding them). Ids of a bucket not loaded are counted 0 and listed.
    /// </summary>
    public static async Task<(long[][] Counts, List<long> Misses)> QueueCountReads(IBatch batch, long[] ids)
    {
        var reads = ids.Select((id, index) => (id, index)).GroupBy(i => ArticleCounters.Bucket(i.id)).Select(bucket =>
        {
            var fields = bucket.Select(i => (RedisValue)i.id).Prepend(ArticleCounters.LoadedField).ToArray();
            return (Members: bucket.ToList(), Read: batch.HashGetAsync(ArticleCounters.Key(bucket.Key), fields));
        }).ToList();
        var counts = NoCounts(ids.Length);
        var misses = new List<long>();
        foreach (var (members, read) in reads)
        {
            var values = await read;
            for (var m = 0; m < members.Count; m++)
            {
                if (values[0].IsNull)
                {
                    misses.Add(members[m].id);
                }
                else
                {
                    SetCounts(counts, members[m].index, ArticleCounters.Parse(values[m + 1]));
                }
            }
        }

        return (counts, misses);
    }

    /// <summary>Zero counts for a page of <paramref name="length"/> ids: comments, likes, collects, reads, each by index.</summary>
    public static long[][] NoCounts(int length) => [new long[length], new long[length], new long[length], new long[length]];

    public static void SetCounts(long[][] counts, int index, long[] four)
    {
        for (var c = 0; c < 4; c++)
        {
            counts[c][index] = four[c];
        }
    }

    /// <summary>Cached infos by id: an article, null for one that does not exist, or a miss.</summary>
    protected (Dictionary<long, ArticleInfo?> Articles, List<long> Misses) ParseInfos(long[] ids, RedisValue[] infos)
    {
        var articles = new Dictionary<long, ArticleInfo?>();
        var misses = new List<long>();
        for (var i = 0; i < ids.Length; i++)
        {
            var value = infos[i];
            if (articles.ContainsKey(ids[i]) || misses.Contains(ids[i]))
            {
                continue;
            }

            if (value == ArticleCacheKeys.NotFoundMarker)
            {
                articles[ids[i]] = null;
            }
            else if (!value.IsNull && TryDeserialize<ArticleInfo>(value) is { } info)
            {
                articles[ids[i]] = info;
            }
            else
            {
                misses.Add(ids[i]);
            }
        }

        return (articles, misses);
    }

    /// <summary>Cached author profiles by id; an author absent here is a miss.</summary>
    protected Dictionary<long, AuthorProfile?> ParseProfiles(long[] authorIds, RedisValue[] profiles)
    {
        var authors = new Dictionary<long, AuthorProfile?>();
        for (var i = 0; i < authorIds.Length; i++)
        {
            if (!profiles[i].IsNull)
            {
                authors[authorIds[i]] = profiles[i] == ArticleCacheKeys.NotFoundMarker ? null : TryDeserialize<AuthorProfile>(profiles[i]);
            }
        }

        return authors;
    }

    private T? TryDeserialize<T>(RedisValue value) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(((ReadOnlyMemory<byte>)value).Span, ToutiaoJson.Options);
        }
        catch (JsonException ex)
        {
            // A corrupt entry is treated as a miss and overwritten.
            LogCorruptEntry(typeof(T).Name, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Corrupt {EntryType} cache entry ignored")]
    private partial void LogCorruptEntry(string entryType, Exception exception);
}
