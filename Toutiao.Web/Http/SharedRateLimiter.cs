using StackExchange.Redis;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Http;

/// <summary>
/// Rate limits that hold across Web's replicas: a sliding-window counter per partition in the state
/// Redis (never evicted), so the configured limit is the limit however many replicas share the load.
/// Each partition is one key (<c>rl:{partition}</c>, Cluster-safe on its own) whose hash holds the
/// counts of the current and the previous window; the previous one counts for the part of it the
/// sliding window still covers. Redis's clock decides, so replicas with drifting clocks agree.
/// </summary>
/// <remarks>
/// A state server that does not answer within its share of the request lets the request through
/// (logged): a limit exists to protect the other servers, and refusing every write while one Redis is
/// frozen would protect nothing.
/// </remarks>
public sealed partial class SharedRateLimiter(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.State)] StorageGuard guard,
    ILogger<SharedRateLimiter> logger)
{
    private static readonly LuaScript Take = LuaScript.Prepare("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(@window)
        local current = math.floor(now / window)
        local counts = redis.call('HMGET', @key, tostring(current), tostring(current - 1))
        local previous = tonumber(counts[2] or '0') * (1 - (now % window) / window)
        local used = tonumber(counts[1] or '0') + previous
        local cost = tonumber(@cost)
        local room = math.floor(tonumber(@limit) - used)
        if tonumber(@partial) == 1 and room >= 1 and room < cost then
          cost = room
        end
        if used + cost > tonumber(@limit) then
          return {0, window - (now % window)}
        end
        redis.call('HINCRBY', @key, tostring(current), cost)
        redis.call('HDEL', @key, tostring(current - 2))
        redis.call('PEXPIRE', @key, window * 2)
        return {cost, 0}
        """);

    /// <summary>
    /// Takes <paramref name="cost"/> permits of each of <paramref name="kinds"/> from the client (IPv6:
    /// its /64) and, when the request names one, the reader, in one round trip; 429 with
    /// <c>Retry-After</c> when any is spent.
    /// </summary>
    public async Task TakeAsync(IEnumerable<SharedLimit> kinds, RateLimitOptions options, string client, string readerId, int cost)
    {
        var perMinute = PerMinute(kinds, options, client, readerId);
        if (perMinute.Count == 0)
        {
            return;
        }

        TimeSpan? wait;
        try
        {
            wait = await guard.RunAsync(() => TryTakeAsync(perMinute, cost), CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            LogUnlimited(perMinute[0].Partition, ex.Message);
            return;
        }

        if (wait is { } retryAfter)
        {
            throw ApiException.TooManyRequests(retryAfter);
        }
    }

    /// <summary>The per-minute limits of <paramref name="kinds"/>: each per client and, when <paramref name="readerId"/> is given, per reader.</summary>
    public static List<SharedRateLimit> PerMinute(IEnumerable<SharedLimit> kinds, RateLimitOptions options, string client, string readerId)
    {
        var perMinute = new List<SharedRateLimit>();
        foreach (var limit in kinds)
        {
            var (perReader, perClient) = options.PerMinute(limit);
            var kind = limit.ToString().ToLowerInvariant();
            perMinute.Add(new($"{kind}:client:{client}", perClient, TimeSpan.FromMinutes(1)));
            if (readerId.Length > 0)
            {
                perMinute.Add(new($"{kind}:reader:{readerId}", perReader, TimeSpan.FromMinutes(1)));
            }
        }

        return perMinute;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {Partition} not checked ({Reason}): the request goes through")]
    private partial void LogUnlimited(string partition, string reason);

    /// <summary>
    /// Takes <paramref name="cost"/> permits from every limit in one round trip (a script each,
    /// pipelined: on a cluster the keys live on different nodes). Null when all had room; else how
    /// long until the fullest one has. A refused request may still have used the others' permits.
    /// </summary>
    public async Task<TimeSpan?> TryTakeAsync(IReadOnlyList<SharedRateLimit> limits, int cost)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var takes = limits.Select(limit => TakeAsync(batch, limit, cost, partial: false)).ToList();
        batch.Execute();
        var waits = await Task.WhenAll(takes);
        var longest = waits.Max(w => w.Wait);
        return longest > TimeSpan.Zero ? longest : null;
    }

    /// <summary>
    /// Up to <paramref name="wanted"/> permits of one limit, as many as it has room for: a block that
    /// a process spends locally (<see cref="SharedPermitBlocks"/>). None, and how long until there is
    /// room, when it is spent.
    /// </summary>
    public Task<(int Granted, TimeSpan Wait)> TakeBlockAsync(SharedRateLimit limit, int wanted)
        => guard.RunAsync(() => TakeAsync(redis.GetDatabase(), limit, wanted, partial: true), CancellationToken.None);

    private static async Task<(int Granted, TimeSpan Wait)> TakeAsync(IDatabaseAsync db, SharedRateLimit limit, int cost, bool partial)
    {
        var answer = (RedisResult[])(await db.ScriptEvaluateAsync(Take, new
        {
            key = (RedisKey)$"rl:{{{limit.Partition}}}",
            window = (long)limit.Window.TotalMilliseconds,
            limit = limit.Permits,
            cost,
            partial = partial ? 1 : 0,
        }))!;
        return ((int)answer[0], TimeSpan.FromMilliseconds((long)answer[1]));
    }
}

/// <summary>At most <paramref name="Permits"/> in any <paramref name="Window"/> for <paramref name="Partition"/> (who and what is counted, e.g. <c>reports:client:203.0.113.7</c>).</summary>
public sealed record SharedRateLimit(string Partition, int Permits, TimeSpan Window);
