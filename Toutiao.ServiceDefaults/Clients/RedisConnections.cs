namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The two Redis servers, by connection name (the AppHost's resource names). <see cref="State"/> is
/// the unkeyed <c>IConnectionMultiplexer</c>; <see cref="Cache"/> is keyed by its name.
/// </summary>
public static class RedisConnections
{
    /// <summary>What exists nowhere else: never evicted, kept across restarts.</summary>
    public const string State = "redis";

    /// <summary>What MySQL can rebuild or may be forgotten: the least recently used is evicted first.</summary>
    public const string Cache = "cache";

    /// <summary>
    /// Redis unreachable, slow, or refusing (OOM, READONLY): what a degraded answer may stand in
    /// for. A command error (a bug of ours) is not among them.
    /// </summary>
    public static bool IsFailure(Exception exception)
        => exception is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException
            or StackExchange.Redis.RedisServerException;

    /// <summary>Both connections, through Aspire's StackExchange.Redis client integration.</summary>
    public static IHostApplicationBuilder AddToutiaoRedis(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient(State);
        builder.AddKeyedRedisClient(Cache);
        return builder;
    }
}
