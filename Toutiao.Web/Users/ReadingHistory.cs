using System.Globalization;
using StackExchange.Redis;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Users;

/// <summary>
/// The articles a signed-in reader opened, the latest first: <c>history:{u:&lt;id&gt;}:read</c> on the
/// <c>redis</c> server (article id → Unix ms), the newest <see cref="Kept"/> kept for
/// <see cref="Retention"/> after the last one.
/// </summary>
public sealed class ReadingHistory(IConnectionMultiplexer redis, TimeProvider clock)
{
    public const int Kept = 100;
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    public static string Key(long userId) => $"history:{{u:{userId.ToString(CultureInfo.InvariantCulture)}}}:read";

    /// <summary>Records an opened article without waiting: the detail page must not wait for it.</summary>
    public void Record(long userId, long articleId)
    {
        try
        {
            var batch = redis.GetDatabase().CreateBatch();
            var key = Key(userId);
            _ = batch.SortedSetAddAsync(key, articleId, clock.GetUtcNow().ToUnixTimeMilliseconds(), CommandFlags.FireAndForget);
            _ = batch.SortedSetRemoveRangeByRankAsync(key, 0, -Kept - 1, CommandFlags.FireAndForget);
            _ = batch.KeyExpireAsync(key, Retention, CommandFlags.FireAndForget);
            batch.Execute();
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            // Redis is down: the article is shown all the same, and this visit is not remembered.
        }
    }

    /// <summary>One page of the reader's opened articles, the latest first, and how many there are.</summary>
    public async Task<(long Total, IReadOnlyList<long> Ids)> PageAsync(long userId, int page, int perPage)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var total = batch.SortedSetLengthAsync(Key(userId));
        var ids = batch.SortedSetRangeByRankAsync(Key(userId), (long)(page - 1) * perPage, (long)page * perPage - 1, Order.Descending);
        batch.Execute();
        return (await total, (await ids).Select(id => (long)id).ToList());
    }
}
