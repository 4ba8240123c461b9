using System.Globalization;
using StackExchange.Redis;

namespace Toutiao.Contracts.Articles;

/// <summary>One of an article's four live counters, in the order they are kept.</summary>
public enum ArticleCounter
{
    Comments = 0,
    Likes = 1,
    Collects = 2,
    Reads = 3,
}

/// <summary>
/// The article counters in the <c>cache</c> Redis server: a hash per bucket of <see cref="BucketSize"/>
/// consecutive ids (<c>count:art:{id / 64}</c>), a field per article holding its four counts
/// (<c>"comments likes collects reads"</c>), and the field <see cref="LoadedField"/>, which says the
/// bucket was loaded from MySQL (<c>news_article_statistic</c>, the truth). A bucket is loaded when a
/// page needs it and absent otherwise, so the cache's LRU keeps the counters of the articles being
/// read and lets the rest go; at 64 a bucket stays a small listpack (about 20 bytes an article).
/// Whatever changes a count in MySQL adds the change here with <see cref="AddIfLoadedAsync"/>.
/// Each script touches one bucket, one key: Cluster-safe. Every script that writes counts publishes the
/// bucket's key on <see cref="ChangedChannel"/> (a change: loaded or not), for the copies Web keeps in memory.
/// </summary>
public static class ArticleCounters
{
    public const string KeyPrefix = "count:art:";
    public const int BucketSize = 64;
    public const string LoadedField = "_";

    /// <summary>The pub/sub channel on which every change of a bucket's counts publishes the bucket's key (a cluster carries it to every node).</summary>
    public const string ChangedChannel = "article-counters-changed";

    /// <summary>Changes (<c>add</c>) or sets (<c>set</c>) one counter of articles in a loaded bucket; a bucket not loaded is left alone (0).</summary>
    private const string ChangeIfLoadedScript = $$"""
        redis.call('PUBLISH', '{{ChangedChannel}}', KEYS[1])
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local index = tonumber(ARGV[1])
        for i = 3, #ARGV, 2 do
          local counts, n = { 0, 0, 0, 0 }, 0
          local packed = redis.call('HGET', KEYS[1], ARGV[i])
          if packed then for v in string.gmatch(packed, '%-?%d+') do n = n + 1; counts[n] = tonumber(v) end end
          if ARGV[2] == 'add' then counts[index] = counts[index] + tonumber(ARGV[i + 1]) else counts[index] = tonumber(ARGV[i + 1]) end
          redis.call('HSET', KEYS[1], ARGV[i], string.format('%d %d %d %d', counts[1], counts[2], counts[3], counts[4]))
        end
        return 1
        """;

    /// <summary>
    /// Writes a bucket read from MySQL unless it is there already (then it holds changes the reading
    /// may not). A write publishes too: a copy in memory from before an eviction may differ from MySQL.
    /// </summary>
    private const string LoadIfAbsentScript = $$"""
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV))
        redis.call('PUBLISH', '{{ChangedChannel}}', KEYS[1])
        return 1
        """;

    public static long Bucket(long articleId) => articleId / BucketSize;

    public static string Key(long bucket) => KeyPrefix + bucket.ToString(CultureInfo.InvariantCulture);

    public static string KeyOf(long articleId) => Key(Bucket(articleId));

    /// <summary>The bucket of a key published on <see cref="ChangedChannel"/>, or null for anything else.</summary>
    public static long? BucketOfKey(string? key)
        => key is not null && key.StartsWith(KeyPrefix, StringComparison.Ordinal)
            && long.TryParse(key.AsSpan(KeyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var bucket) ? bucket : null;

    /// <summary>The first and last id of a bucket.</summary>
    public static (long First, long Last) Range(long bucket) => (bucket * BucketSize, (bucket * BucketSize) + BucketSize - 1);

    /// <summary>An article's field value: its four counts in <see cref="ArticleCounter"/> order.</summary>
    public static string Format(long comments, long likes, long collects, long reads)
        => string.Create(CultureInfo.InvariantCulture, $"{comments} {likes} {collects} {reads}");

    /// <summary>The four counts of a field value; zeros for an article without one (none counted yet) or a value that is not four numbers.</summary>
    public static long[] Parse(RedisValue value)
    {
        var counts = new long[4];
        if (value.IsNullOrEmpty)
        {
            return counts;
        }

        var text = ((string)value!).AsSpan();
        var index = 0;
        foreach (var range in text.Split(' '))
        {
            if (index == 4 || !long.TryParse(text[range], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out counts[index]))
            {
                return new long[4];
            }

            index++;
        }

        return index == 4 ? counts : new long[4];
    }

    /// <summary>
    /// Sets <paramref name="counts"/> (article id → count, read from MySQL) of <paramref name="counter"/>
    /// in the buckets that are loaded; one round trip (a script per bucket, pipelined). False when a
    /// bucket is not: a load from an older reading of MySQL may be on its way, so the caller sets the counts again later.
    /// </summary>
    public static Task<bool> SetIfLoadedAsync(this IDatabaseAsync cache, ArticleCounter counter, IReadOnlyCollection<KeyValuePair<long, long>> counts)
        => ChangeIfLoadedAsync(cache, counter, "set", counts);

    /// <summary>
    /// Adds <paramref name="changes"/> (article id → change) to <paramref name="counter"/> in the buckets
    /// that are loaded; one round trip. False when a bucket is not: the change is not in Redis, and a
    /// load that read MySQL before it was committed would miss it too.
    /// </summary>
    public static Task<bool> AddIfLoadedAsync(this IDatabaseAsync cache, ArticleCounter counter, IReadOnlyCollection<KeyValuePair<long, long>> changes)
        => ChangeIfLoadedAsync(cache, counter, "add", changes);

    /// <summary>Writes a bucket as read from MySQL (article id → its four counts) unless it is loaded already; true when written.</summary>
    public static async Task<bool> LoadIfAbsentAsync(this IDatabaseAsync cache, long bucket, IEnumerable<KeyValuePair<long, long[]>> counts)
    {
        var arguments = new List<RedisValue> { LoadedField, "" };
        foreach (var (articleId, four) in counts)
        {
            arguments.Add(articleId);
            arguments.Add(Format(four[0], four[1], four[2], four[3]));
        }

        return (long)await cache.ScriptEvaluateAsync(LoadIfAbsentScript, [Key(bucket)], [.. arguments]) == 1;
    }

    private static async Task<bool> ChangeIfLoadedAsync(IDatabaseAsync cache, ArticleCounter counter, string mode, IReadOnlyCollection<KeyValuePair<long, long>> changes)
    {
        var scripts = changes.GroupBy(change => Bucket(change.Key)).Select(bucket =>
        {
            var arguments = new List<RedisValue> { (int)counter + 1, mode };
            foreach (var (articleId, value) in bucket)
            {
                arguments.Add(articleId);
                arguments.Add(value);
            }

            return cache.ScriptEvaluateAsync(ChangeIfLoadedScript, [Key(bucket.Key)], [.. arguments]);
        }).ToList();
        var loaded = true;
        foreach (var script in scripts)
        {
            loaded &= (long)await script == 1;
        }

        return loaded;
    }
}
