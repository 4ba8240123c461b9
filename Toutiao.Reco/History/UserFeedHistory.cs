using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.History;

/// <summary>One page a user was served, stored under the request's timestamp.</summary>
public sealed record FeedPage(long Timestamp, IReadOnlyList<long> ArticleIds);

/// <summary>A fresh page as recorded: its articles, and the timestamp of the page before it (0: none).</summary>
public sealed record RecordedPage(IReadOnlyList<long> ArticleIds, long PreviousTimestamp);

/// <summary>
/// A user's feed history per channel in Redis:
/// <c>reco:{u:user}:ch:{channel}:pages</c> (sorted set, score = page timestamp, member = "timestamp:id,id,..")
/// and <c>reco:{u:user}:ch:{channel}:served</c> (sorted set of the article ids served there, score =
/// the page's timestamp, so the newest are kept when it is trimmed). The hash tag keeps one user's
/// keys in one Redis Cluster slot, so one script may touch all of them. Both keys expire, and
/// both are trimmed: every reader's state is bounded in size and time.
/// </summary>
public sealed class UserFeedHistory(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    IOptions<RecommendationOptions> options)
{
    /// <summary>How Web names anonymous readers to Reco.</summary>
    public const string AnonymousPrefix = "anony:";

    /// <summary>
    /// Where a reader's history lives: an anonymous reader's (any client can invent such ids) in the
    /// cache server, which forgets the least recently active first when full; everyone else's in the
    /// server that never evicts.
    /// </summary>
    private IDatabase Database(string userId) => (IsAnonymous(userId) ? cache : redis).GetDatabase();

    public static bool IsAnonymous(string userId) => userId.StartsWith(AnonymousPrefix, StringComparison.Ordinal);

    public static string PagesKey(string userId, int channelId) => $"reco:{{u:{userId}}}:ch:{channelId}:pages";

    public static string ServedKey(string userId, int channelId) => $"reco:{{u:{userId}}}:ch:{channelId}:served";

    /// <summary>
    /// Picks a fresh page and records it in one step, so concurrent refreshes of one reader never
    /// share an article: the first <c>count</c> candidates (in rank order) served in neither the
    /// channel nor the recommended channel become the page. A page already recorded at this
    /// timestamp is returned as it is: a retry of the same request gets the same page.
    /// KEYS: pages, served in the channel, served in channel 0. ARGV: timestamp, count,
    /// retention seconds, pages kept, served ids kept, candidate ids...
    /// </summary>
    private const string RecordFreshPageScript = """
        local pages, served, servedAll = KEYS[1], KEYS[2], KEYS[3]
        local timestamp, count = tonumber(ARGV[1]), tonumber(ARGV[2])
        local function previous()
          local older = redis.call('ZREVRANGEBYSCORE', pages, '(' .. ARGV[1], '-inf', 'LIMIT', 0, 1)
          return older[1] or '0:'
        end
        local existing = redis.call('ZRANGEBYSCORE', pages, ARGV[1], ARGV[1])
        if existing[1] then
          return { existing[1], previous() }
        end
        local picked = {}
        local scored = {}
        for i = 6, #ARGV do
          if #picked >= count then break end
          local id = ARGV[i]
          if not redis.call('ZSCORE', served, id) and not redis.call('ZSCORE', servedAll, id) then
            picked[#picked + 1] = id
            scored[#scored + 1] = ARGV[1]
            scored[#scored + 1] = id
          end
        end
        local member = ARGV[1] .. ':' .. table.concat(picked, ',')
        if #picked > 0 then
          redis.call('ZADD', pages, timestamp, member)
          redis.call('ZREMRANGEBYRANK', pages, 0, -tonumber(ARGV[4]) - 1)
          redis.call('EXPIRE', pages, ARGV[3])
          redis.call('ZADD', served, unpack(scored))
          redis.call('ZREMRANGEBYRANK', served, 0, -tonumber(ARGV[5]) - 1)
          redis.call('EXPIRE', served, ARGV[3])
        end
        return { member, previous() }
        """;

    /// <summary>Records a fresh page at <paramref name="timestamp"/> from <paramref name="rankedCandidates"/>, atomically; see <see cref="RecordFreshPageScript"/>.</summary>
    public async Task<RecordedPage> RecordFreshPageAsync(string userId, int channelId, long timestamp, IReadOnlyList<long> rankedCandidates, int count)
    {
        using var activity = RecoTelemetry.Source.StartActivity("reco history write");
        var settings = options.Value;
        RedisKey[] keys = [PagesKey(userId, channelId), ServedKey(userId, channelId), ServedKey(userId, 0)];
        var retention = IsAnonymous(userId) ? settings.AnonymousHistoryRetention : settings.HistoryRetention;
        var arguments = new RedisValue[5 + rankedCandidates.Count];
        arguments[0] = timestamp;
        arguments[1] = count;
        arguments[2] = (long)retention.TotalSeconds;
        arguments[3] = settings.HistoryPagesKept;
        arguments[4] = settings.ServedKept;
        for (var i = 0; i < rankedCandidates.Count; i++)
        {
            arguments[5 + i] = rankedCandidates[i];
        }

        var reply = (RedisResult[])(await Database(userId).ScriptEvaluateAsync(RecordFreshPageScript, keys, arguments))!;
        var page = Parse((RedisValue)reply[0]);
        activity?.SetTag("toutiao.reco.articles", page.ArticleIds.Count);
        // The previous page comes as its member ("timestamp:ids"): no float formatting of a score to parse.
        return new RecordedPage(page.ArticleIds, Parse((RedisValue)reply[1]).Timestamp);
    }

    /// <summary>
    /// The page recorded at exactly <paramref name="timestamp"/> (the app asks for one with the
    /// <c>pre_timestamp</c> it was given), with the timestamp of the page before it; null if there is none.
    /// One round trip.
    /// </summary>
    public async Task<RecordedPage?> FindPageAsync(string userId, int channelId, long timestamp)
    {
        using var activity = RecoTelemetry.Source.StartActivity("reco history read");
        var key = PagesKey(userId, channelId);
        var batch = Database(userId).CreateBatch();
        var at = batch.SortedSetRangeByScoreAsync(key, timestamp, timestamp, take: 1);
        var before = batch.SortedSetRangeByScoreAsync(key, double.NegativeInfinity, timestamp,
            Exclude.Stop, Order.Descending, skip: 0, take: 1);
        batch.Execute();

        var page = (await at).Select(Parse).FirstOrDefault();
        var previous = (await before).Select(Parse).FirstOrDefault();
        activity?.SetTag("toutiao.reco.found", page is not null);
        return page is null ? null : new RecordedPage(page.ArticleIds, previous?.Timestamp ?? 0);
    }

    /// <summary>Which of <paramref name="articleIds"/> the user was already served in this channel or in channel 0.</summary>
    public async Task<HashSet<long>> FindServedAsync(string userId, int channelId, IReadOnlyList<long> articleIds)
    {
        var members = articleIds.Select(id => (RedisValue)id).ToArray();
        var keys = channelId == 0 ? new[] { ServedKey(userId, 0) } : [ServedKey(userId, channelId), ServedKey(userId, 0)];
        var db = Database(userId);
        var batch = db.CreateBatch();
        var lookups = keys.Select(key => batch.SortedSetScoresAsync(key, members)).ToArray();
        batch.Execute();
        var results = await Task.WhenAll(lookups);

        var served = new HashSet<long>();
        foreach (var scores in results)
        {
            for (var i = 0; i < scores.Length; i++)
            {
                if (scores[i] is not null)
                {
                    served.Add(articleIds[i]);
                }
            }
        }

        return served;
    }

    private static FeedPage Parse(RedisValue member)
    {
        var text = (string)member!;
        var colon = text.IndexOf(':');
        var timestamp = long.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture);
        var ids = text[(colon + 1)..]
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => long.Parse(id, CultureInfo.InvariantCulture))
            .ToArray();
        return new FeedPage(timestamp, ids);
    }
}
