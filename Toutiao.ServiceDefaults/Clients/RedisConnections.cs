using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The two Redis connections, by connection name (the AppHost's resource names). <see cref="State"/> is
/// the unkeyed <c>IConnectionMultiplexer</c>; <see cref="Cache"/> is keyed by its name. Each may name
/// one server or the nodes of a Redis Cluster.
/// </summary>
public static class RedisConnections
{
    /// <summary>What exists nowhere else: never evicted, kept across restarts.</summary>
    public const string State = "redis";

    /// <summary>What MySQL can rebuild or may be forgotten: the least recently used is evicted first.</summary>
    public const string Cache = "cache";

    /// <summary>
    /// Both connections, through Aspire's StackExchange.Redis client integration, with our own health
    /// check: the integration's asks a cluster for <c>CLUSTER INFO</c>, which needs an admin
    /// connection that the services have no other use for.
    /// </summary>
    public static IHostApplicationBuilder AddToutiaoRedis(this IHostApplicationBuilder builder)
    {
        // The Redis instrumentation holds every request's activity and commands until it flushes them
        // into spans; what it held was most of what survived a garbage collection, and what made each
        // one long. Aspire's copy flushes every 10 s and does not let that be changed; the upstream
        // instrumentation flushes every second here. Without spans recorded there is none at all.
        builder.AddRedisClient(State, settings => (settings.DisableHealthChecks, settings.DisableTracing) = (true, true));
        builder.AddKeyedRedisClient(Cache, settings => (settings.DisableHealthChecks, settings.DisableTracing) = (true, true));
        if (ServiceDefaultsExtensions.IsTracingOn(builder.Configuration))
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
                .AddRedisInstrumentation(FlushEverySecond)
                .AddRedisInstrumentation(Cache, Cache, FlushEverySecond));
        }
        // Degraded, not Unhealthy, when Redis fails: the services answer from memory and MySQL then, and
        // a readiness probe that took every instance out at once would turn degraded pages into none.
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration($"redis-{State}", services => new RedisMastersCheck(services.GetRequiredService<IConnectionMultiplexer>()), HealthStatus.Degraded, null))
            .Add(new HealthCheckRegistration($"redis-{Cache}", services => new RedisMastersCheck(services.GetRequiredKeyedService<IConnectionMultiplexer>(Cache)), HealthStatus.Degraded, null));
        return builder;
    }

    private static void FlushEverySecond(StackExchangeRedisInstrumentationOptions options) => options.FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Healthy while every connected master answers PING. A cluster master that is gone is left out:
    /// its replica takes over within the node timeout, and every instance shares that cluster, so
    /// taking this one out of the load balancer would not help the requests whose keys it held.
    /// </summary>
    private sealed class RedisMastersCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var masters = redis.GetServers().Where(server => server is { IsConnected: true, IsReplica: false }).ToList();
            if (masters.Count == 0)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "No Redis master is connected.");
            }

            try
            {
                await Task.WhenAll(masters.Select(server => server.PingAsync()));
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, ex.Message, ex);
            }
        }
    }
}
