using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.History;

/// <summary>One page a user was served, stored under the request's timestamp.</summary>
public sealed record FeedPage(long Timestamp, IReadOnlyList<long> ArticleIds);

/// <summary>Where the user's history in a channel stands relative to a request's timestamp.</summary>
/// <param name="Latest">The newest stored page, if any.</param>
/// <param name="AtOrBefore">The newest page not after the request's timestamp.</param>
/// <param name="OlderThanThat">The page right before <paramref name="AtOrBefore"/>.</param>
public sealed record HistoryPosition(FeedPage? Latest, FeedPage? AtOrBefore, FeedPage? OlderThanThat);

/// <summary>
/// A user's feed history per channel in Redis:
/// <c>reco:user:{user}:ch:{channel}:pages</c> (sorted set, score = page timestamp, member = "timestamp:id,id,..")
/// and <c>reco:user:{user}:ch:{channel}:served</c> (set of every article id served there).
/// </summary>
public sealed class UserFeedHistory(IConnectionMultiplexer redis, IOptions<RecommendationOptions> options)
{
    public static string PagesKey(string userId, int channelId) => $"reco:user:{userId}:ch:{channelId}:pages";

    public static string ServedKey(string userId, int channelId) => $"reco:user:{userId}:ch:{channelId}:served";

    /// <summary>Reads the latest page and the pages around <paramref name="timestamp"/> in one round trip.</summary>
    public async Task<HistoryPosition> LocateAsync(string userId, int channelId, long timestamp)
    {
        using var activity = RecoTelemetry.Source.StartActivity("reco history read");
        var key = PagesKey(userId, channelId);
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var latest = batch.SortedSetRangeByRankAsync(key, 0, 0, Order.Descending);
        var around = batch.SortedSetRangeByScoreAsync(key, double.NegativeInfinity, timestamp,
            Exclude.None, Order.Descending, skip: 0, take: 2);
        batch.Execute();

        var latestPage = (await latest).Select(Parse).FirstOrDefault();
        var pages = (await around).Select(Parse).ToArray();
        var position = new HistoryPosition(latestPage, pages.ElementAtOrDefault(0), pages.ElementAtOrDefault(1));
        activity?.SetTag("toutiao.reco.has_history", position.Latest is not null);
        return position;
    }

    /// <summary>Which of <paramref name="articleIds"/> the user was already served in this channel or in channel 0.</summary>
    public async Task<HashSet<long>> FindServedAsync(string userId, int channelId, IReadOnlyList<long> articleIds)
    {
        var members = articleIds.Select(id => (RedisValue)id).ToArray();
        var keys = channelId == 0 ? new[] { ServedKey(userId, 0) } : [ServedKey(userId, channelId), ServedKey(userId, 0)];
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var lookups = keys.Select(key => batch.SetContainsAsync(key, members)).ToArray();
        batch.Execute();
        var results = await Task.WhenAll(lookups);

        var served = new HashSet<long>();
        foreach (var flags in results)
        {
            for (var i = 0; i < flags.Length; i++)
            {
                if (flags[i])
                {
                    served.Add(articleIds[i]);
                }
            }
        }

        return served;
    }

    /// <summary>Stores a fresh page and marks its articles as served, atomically.</summary>
    public async Task SaveAsync(string userId, int channelId, FeedPage page)
    {
        using var activity = RecoTelemetry.Source.StartActivity("reco history write");
        activity?.SetTag("toutiao.reco.articles", page.ArticleIds.Count);
        var settings = options.Value;
        var pagesKey = PagesKey(userId, channelId);
        var servedKey = ServedKey(userId, channelId);
        var db = redis.GetDatabase();
        var transaction = db.CreateTransaction();
        var writes = new List<Task>
        {
            transaction.SortedSetAddAsync(pagesKey, Format(page), page.Timestamp),
            transaction.SortedSetRemoveRangeByRankAsync(pagesKey, 0, -settings.HistoryPagesKept - 1),
            transaction.KeyExpireAsync(pagesKey, settings.HistoryRetention),
            transaction.SetAddAsync(servedKey, page.ArticleIds.Select(id => (RedisValue)id).ToArray()),
            transaction.KeyExpireAsync(servedKey, settings.HistoryRetention),
        };
        await transaction.ExecuteAsync();
        await Task.WhenAll(writes);
    }

    private static string Format(FeedPage page)
        => page.Timestamp.ToString(CultureInfo.InvariantCulture) + ":" + string.Join(',', page.ArticleIds);

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
