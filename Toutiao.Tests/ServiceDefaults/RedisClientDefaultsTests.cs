using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.ServiceDefaults;

/// <summary>The options Aspire's AddRedisClient builds, with the service defaults on top.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class RedisClientDefaultsTests
{
    [Fact]
    public void A_dead_redis_fails_fast_unless_the_connection_string_says_otherwise()
    {
        var defaults = Options("127.0.0.1:6390,password=x");
        Assert.Equal(2000, defaults.ConnectTimeout);
        Assert.Equal(2000, defaults.SyncTimeout);
        Assert.Equal(2000, defaults.AsyncTimeout);
        Assert.False(defaults.AbortOnConnectFail);
        Assert.Same(BacklogPolicy.FailFast, defaults.BacklogPolicy);
        Assert.Equal("x", defaults.Password);

        var given = Options("127.0.0.1:6390,connectTimeout=500,syncTimeout=700,abortConnect=true");
        Assert.Equal(500, given.ConnectTimeout);
        Assert.Equal(700, given.SyncTimeout);
        Assert.True(given.AbortOnConnectFail);
    }

    private static ConfigurationOptions Options(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:redis"] = connectionString });
        builder.AddServiceDefaults();
        builder.AddRedisClient("redis");
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<ConfigurationOptions>>().Value;
    }
}
