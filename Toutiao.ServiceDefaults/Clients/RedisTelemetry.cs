using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Toutiao.ServiceDefaults.Clients;

/// <summary>
/// Client spans for Redis round trips. No ready-made Redis instrumentation is available here, so
/// the cache layers send each round trip (one command, a pipeline or a transaction) through
/// <see cref="RoundTripAsync{T}"/>, which records it with the database semantic conventions.
/// </summary>
public static class RedisTelemetry
{
    public const string ActivitySourceName = "Toutiao.Redis";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    /// <param name="operation">What is sent, e.g. <c>MGET</c>, <c>EVALSHA</c>, <c>PIPELINE SET</c>, <c>MULTI</c>.</param>
    /// <param name="keyCount">How many keys the round trip touches.</param>
    /// <param name="commands">How many commands travel together (a pipeline or transaction).</param>
    public static async Task<T> RoundTripAsync<T>(
        this IConnectionMultiplexer redis, string operation, int keyCount, Func<IDatabase, Task<T>> send, int commands = 1)
    {
        using var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system.name", "redis");
            activity.SetTag("db.operation.name", operation);
            activity.SetTag("db.redis.keys", keyCount);
            if (commands > 1)
            {
                activity.SetTag("db.operation.batch.size", commands);
            }

            switch (redis.GetEndPoints().FirstOrDefault())
            {
                case DnsEndPoint dns:
                    activity.SetTag("server.address", dns.Host);
                    activity.SetTag("server.port", dns.Port);
                    break;
                case IPEndPoint ip:
                    activity.SetTag("server.address", ip.Address.ToString());
                    activity.SetTag("server.port", ip.Port);
                    break;
            }
        }

        try
        {
            return await send(redis.GetDatabase());
        }
        catch (Exception ex)
        {
            activity?.RecordFailure(ex);
            throw;
        }
    }

    public static Task RoundTripAsync(
        this IConnectionMultiplexer redis, string operation, int keyCount, Func<IDatabase, Task> send, int commands = 1)
        => redis.RoundTripAsync(operation, keyCount, async db =>
        {
            await send(db);
            return true;
        }, commands);
}

public static class ActivityExtensions
{
    /// <summary>Marks a span failed: error status, <c>error.type</c>, and the exception as an event.</summary>
    public static void RecordFailure(this Activity activity, Exception exception)
    {
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
        activity.AddException(exception);
    }
}
