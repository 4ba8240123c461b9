using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Readers;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Recall;

/// <summary>A reader clicked or read an article at a time (Unix ms).</summary>
public readonly record struct ArticleTaken(string UserId, long ArticleId, long AtMs);

/// <summary>
/// Item-to-item recall: articles read together. Each reader's recent reads are kept beside their
/// history (<c>reco:{u:user}:recent</c>, a list, newest first, <see cref="RecommendationOptions.RecentReadsKept"/>);
/// when a reader takes up an article, it and each of their recent reads become one more co-read
/// for each other in the article's neighbours (<c>reco:{a:id}:coread</c>, a sorted set of article
/// id → co-reads, the strongest <see cref="RecommendationOptions.NeighboursKept"/> kept). Neighbours
/// are learnt, not truth: they live in the cache server, expire when no one reads the article
/// for <see cref="RecommendationOptions.NeighbourRetention"/>, and may be evicted.
/// </summary>
public sealed class CoReadNeighbours(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    IOptions<RecommendationOptions> options)
{
    public static string RecentKey(string userId) => $"reco:{{u:{userId}}}:recent";

    public static string NeighboursKey(long articleId) => $"reco:{{a:{articleId}}}:coread";

    /// <summary>
    /// Puts the taken articles first in the reader's recent list (once each), trims and renews it,
    /// and returns the reads it held before them. KEYS: recent. ARGV: kept, retention seconds, ids
    /// (oldest first).
    /// </summary>
    private const string RecentScript = """
        local key = KEYS[1]
        local before = redis.call('LRANGE', key, 0, tonumber(ARGV[1]) - 1)
        for i = 3, #ARGV do
          redis.call('LREM', key, 0, ARGV[i])
          redis.call('LPUSH', key, ARGV[i])
        end
        redis.call('LTRIM', key, 0, tonumber(ARGV[1]) - 1)
        redis.call('EXPIRE', key, ARGV[2])
        return before
        """;

    private IDatabase ReaderDatabase(string userId) => (AnonymousReaders.IsAnonymous(userId) ? cache : redis).GetDatabase();

    /// <summary>
    /// Records what readers took up: their recent lists (one script per reader, one round trip per
    /// server), then the co-reads of each new article with what the reader read before it and with
    /// the articles before it in this batch (one pipelined round trip). Increments add up in any
    /// order, so concurrent consumers need no lock.
    /// </summary>
    public async Task RecordAsync(IReadOnlyCollection<ArticleTaken> taken)
    {
        var settings = options.Value;
        var readers = taken.Where(t => t.UserId.Length > 0).GroupBy(t => t.UserId)
            .Select(g => (UserId: g.Key, Articles: g.OrderBy(t => t.AtMs).Select(t => t.ArticleId).Distinct().ToList()))
            .ToList();
        if (readers.Count == 0)
        {
            return;
        }

        var previous = new Dictionary<string, Task<RedisResult>>();
        foreach (var server in readers.GroupBy(r => AnonymousReaders.IsAnonymous(r.UserId)))
        {
            var retention = (long)(server.Key ? settings.AnonymousHistoryRetention : settings.HistoryRetention).TotalSeconds;
            var batch = ReaderDatabase(server.First().UserId).CreateBatch();
            foreach (var (userId, articles) in server)
            {
                previous[userId] = batch.ScriptEvaluateAsync(RecentScript, [RecentKey(userId)],
                    [settings.RecentReadsKept, retention, .. articles.Select(a => (RedisValue)a)]);
            }

            batch.Execute();
        }

        await Task.WhenAll(previous.Values);
        var pairs = new Dictionary<(long, long), int>();
        foreach (var (userId, articles) in readers)
        {
            var before = ((RedisValue[])(await previous[userId])!).Select(v => (long)v).ToList();
            for (var i = 0; i < articles.Count; i++)
            {
                foreach (var other in before.Concat(articles.Take(i)).Where(o => o != articles[i]).Distinct())
                {
                    pairs[(articles[i], other)] = pairs.GetValueOrDefault((articles[i], other)) + 1;
                    pairs[(other, articles[i])] = pairs.GetValueOrDefault((other, articles[i])) + 1;
                }
            }
        }

        if (pairs.Count == 0)
        {
            return;
        }

        var writes = new List<Task>();
        var neighbours = cache.GetDatabase().CreateBatch();
        foreach (var ((article, other), count) in pairs)
        {
            writes.Add(neighbours.SortedSetIncrementAsync(NeighboursKey(article), other, count));
        }

        foreach (var article in pairs.Keys.Select(p => p.Item1).Distinct())
        {
            writes.Add(neighbours.SortedSetRemoveRangeByRankAsync(NeighboursKey(article), 0, -settings.NeighboursKept - 1));
            writes.Add(neighbours.KeyExpireAsync(NeighboursKey(article), settings.NeighbourRetention));
        }

        neighbours.Execute();
        await Task.WhenAll(writes);
    }

    /// <summary>The neighbours of each of <paramref name="recentReads"/>: their strongest <paramref name="perArticle"/>, in one pipelined round trip.</summary>
    public async Task<IReadOnlyList<SortedSetEntry[]>> GetAsync(IReadOnlyList<long> recentReads, int perArticle)
    {
        var batch = cache.GetDatabase().CreateBatch();
        var reads = recentReads.Select(a => batch.SortedSetRangeByRankWithScoresAsync(NeighboursKey(a), 0, perArticle - 1, Order.Descending)).ToList();
        batch.Execute();
        return await Task.WhenAll(reads);
    }

    /// <summary>
    /// One ranking from the neighbours of a reader's recent reads: an article's score is the sum of
    /// its co-reads with each of them, the newer reads weighing more (the i-th newest 1 / (1 + i));
    /// the recent reads themselves are left out. Ties go to the smaller id, so the order is stable.
    /// </summary>
    public static long[] Rank(IReadOnlyList<long> recentReads, IReadOnlyList<SortedSetEntry[]> neighbours)
    {
        var scores = new Dictionary<long, double>();
        for (var i = 0; i < neighbours.Count; i++)
        {
            foreach (var entry in neighbours[i])
            {
                if (long.TryParse((string?)entry.Element, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                {
                    scores[id] = scores.GetValueOrDefault(id) + (entry.Score / (1 + i));
                }
            }
        }

        var read = recentReads.ToHashSet();
        return [.. scores.Where(s => !read.Contains(s.Key)).OrderByDescending(s => s.Value).ThenBy(s => s.Key).Select(s => s.Key)];
    }
}
