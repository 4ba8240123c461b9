using StackExchange.Redis;

namespace Toutiao.Contracts.Articles;

/// <summary>
/// The article counters in the <c>cache</c> Redis server, as the original system named them: one
/// sorted set per counter, article id → count. MySQL (<c>news_article_statistic</c>) is the truth;
/// Web loads the sets from it when they are missing, and whatever changes a count in MySQL adds
/// the change here with <see cref="AddIfLoadedAsync"/>.
/// </summary>
public static class ArticleCounters
{
    public const string Comments = "count:art:comm";
    public const string Likes = "count:art:liking";
    public const string Collects = "count:art:collecting";
    public const string Reads = "count:art:reading";

    /// <summary>A lone member in a missing set would stop Web from loading the rest, so only loaded sets change.</summary>
    private const string AddIfLoadedScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          for i = 1, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
          return 1
        end
        return 0
        """;

    private const string SetIfLoadedScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          for i = 1, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i]) end
          return 1
        end
        return 0
        """;

    /// <summary>
    /// Sets <paramref name="counts"/> (article id → count, read from MySQL) in the counter <paramref name="key"/> if it is loaded; one round trip.
    /// False when it is not: a load from an older reading of MySQL may be on its way, so the caller sets the counts again later.
    /// </summary>
    public static Task<bool> SetIfLoadedAsync(this IDatabaseAsync cache, string key, IReadOnlyCollection<KeyValuePair<long, long>> counts)
        => counts.Count == 0 ? Task.FromResult(true) : LoadedAsync(cache.ScriptEvaluateAsync(SetIfLoadedScript, [key], Arguments(counts)));

    /// <summary>
    /// Adds <paramref name="changes"/> (article id → change) to the counter <paramref name="key"/> if it is loaded; one round trip.
    /// False when it is not: the change is not in Redis, and a load that read MySQL before it was committed would miss it too.
    /// </summary>
    public static Task<bool> AddIfLoadedAsync(this IDatabaseAsync cache, string key, IReadOnlyCollection<KeyValuePair<long, long>> changes)
        => changes.Count == 0 ? Task.FromResult(true) : LoadedAsync(cache.ScriptEvaluateAsync(AddIfLoadedScript, [key], Arguments(changes)));

    private static RedisValue[] Arguments(IReadOnlyCollection<KeyValuePair<long, long>> counts)
        => counts.SelectMany(c => new RedisValue[] { c.Key, c.Value }).ToArray();

    private static async Task<bool> LoadedAsync(Task<RedisResult> script) => (long)await script == 1;
}
