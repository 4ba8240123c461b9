using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Our stand-in for Aspire's Redis client integration: one shared multiplexer from
/// <c>ConnectionStrings:{name}</c>, with a health check that PINGs the server.
/// </summary>
public static class RedisClientExtensions
{
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        // Read when first resolved, not now: hosts and tests may still add configuration.
        builder.Services.AddSingleton<IConnectionMultiplexer>(services =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(connectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    $"Redis connection string 'ConnectionStrings:{connectionName}' is not configured.");
            }

            return ConnectionMultiplexer.Connect(CreateOptions(connectionString));
        });

        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>(connectionName, tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Defaults that make a dead Redis fail fast instead of hanging a request:
    /// short timeouts, and keep retrying the connection in the background.
    /// Values given in the connection string win.
    /// </summary>
    public static ConfigurationOptions CreateOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        SetUnlessGiven(connectionString, "abortConnect", () => options.AbortOnConnectFail = false);
        SetUnlessGiven(connectionString, "connectTimeout", () => options.ConnectTimeout = 2000);
        SetUnlessGiven(connectionString, "syncTimeout", () => options.SyncTimeout = 2000);
        SetUnlessGiven(connectionString, "asyncTimeout", () => options.AsyncTimeout = 2000);
        return options;
    }

    private static void SetUnlessGiven(string connectionString, string key, Action apply)
    {
        if (!connectionString.Contains(key + "=", StringComparison.OrdinalIgnoreCase))
        {
            apply();
        }
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
                return HealthCheckResult.Healthy($"PING {latency.TotalMilliseconds:F1} ms");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("Redis is unreachable.", ex);
            }
        }
    }
}
