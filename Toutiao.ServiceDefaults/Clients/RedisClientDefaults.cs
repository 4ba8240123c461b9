using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StackExchange.Redis.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Defaults for every StackExchange.Redis connection that Aspire's <c>AddRedisClient</c> creates:
/// while Redis is unreachable a command fails at once instead of waiting in the backlog for a
/// reconnect (callers answer degraded or 503 in milliseconds, not after the timeout), a slow Redis
/// fails a request in two seconds instead of five, and the connection keeps retrying in the
/// background. They are defaults: values in the connection string win.
/// </summary>
public sealed class FailFastRedisDefaults : DefaultOptionsProvider
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public override bool AbortOnConnectFail => false;

    public override BacklogPolicy BacklogPolicy => BacklogPolicy.FailFast;

    public override TimeSpan? ConnectTimeout => Timeout;

    public override TimeSpan SyncTimeout => Timeout;

    internal static IServiceCollection AddFailFastRedisDefaults(IServiceCollection services)
        => services.ConfigureAll<ConfigurationOptions>(options => options.Defaults = new FailFastRedisDefaults());
}
