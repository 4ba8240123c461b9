using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// The behaviour stream (<see cref="BehaviorStream.Events"/>) as a test looks at it: where it ends
/// before the test acts, then the entries one reader got after that. Web appends before it answers,
/// so they are there as soon as the answer is.
/// </summary>
public static class BehaviorEvents
{
    /// <summary>The id of the stream's last entry now; "-" (its start) while it has none.</summary>
    public static async Task<RedisValue> EndAsync(IConnectionMultiplexer redis)
        => (await redis.GetDatabase().StreamRangeAsync(BehaviorStream.Events, "-", "+", 1, Order.Descending)) is [var last] ? last.Id : "-";

    /// <summary>Reader <paramref name="userId"/>'s entries from <paramref name="end"/> on, oldest first.</summary>
    public static async Task<List<StreamEntry>> OfAsync(IConnectionMultiplexer redis, RedisValue end, string userId)
        => (await redis.GetDatabase().StreamRangeAsync(BehaviorStream.Events, end, "+"))
            .Where(e => e[BehaviorStream.Fields.User] == userId).ToList();

    /// <summary>An action done in the app, as Web appends it: no algorithm, no read time, issued and reported now, in <paramref name="trace"/>.</summary>
    public static void AssertAction(StreamEntry entry, string action, long userId, long articleId, long authorId, TestTrace trace, long notBeforeMs)
    {
        Assert.Equal(action, (string?)entry[BehaviorStream.Fields.Action]);
        Assert.Equal(userId, (long)entry[BehaviorStream.Fields.User]);
        Assert.Equal(articleId, (long)entry[BehaviorStream.Fields.Article]);
        Assert.Equal(authorId == 0 ? "" : authorId.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)entry[BehaviorStream.Fields.Author]);
        Assert.Equal("", (string?)entry[BehaviorStream.Fields.Algorithm]);
        Assert.Equal("", (string?)entry[BehaviorStream.Fields.ReadTime]);
        Assert.InRange((long)entry[BehaviorStream.Fields.ReportedAt], notBeforeMs, Api.Now());
        Assert.InRange((long)entry[BehaviorStream.Fields.IssuedAt], notBeforeMs, Api.Now());
        Assert.StartsWith($"00-{trace.TraceId}-", (string?)entry[BehaviorStream.Fields.TraceParent]);
    }
}
