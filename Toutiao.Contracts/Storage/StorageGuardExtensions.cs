using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Toutiao.Contracts.Storage;

public static class StorageGuardExtensions
{
    /// <summary>The MySQL guard's key: its calls may take longer than Redis' (a miss loads a page's rows).</summary>
    public const string MySql = "mysql";

    /// <summary>
    /// A <see cref="StorageGuard"/> for <paramref name="server"/>, keyed by its name; settings under
    /// <c>StorageGuards:{server}</c> (<c>Cap</c>, <c>Share</c>, <c>BreakDuration</c>) over the defaults given.
    /// </summary>
    public static IServiceCollection AddStorageGuard(this IServiceCollection services, string server, bool isRedis, Action<StorageGuardOptions>? defaults = null)
    {
        var options = services.AddOptions<StorageGuardOptions>(server);
        if (defaults is not null)
        {
            options.Configure(defaults);
        }

        options.BindConfiguration($"StorageGuards:{server}")
            .Validate(o => o.Cap > TimeSpan.Zero && o.Share is > 0 and <= 1 && o.BreakDuration >= TimeSpan.FromMilliseconds(500),
                $"StorageGuards:{server}: Cap must be positive, Share in (0, 1] and BreakDuration at least 00:00:00.5 (Polly's minimum).")
            .ValidateOnStart();
        services.AddKeyedSingleton(server, (provider, _) => new StorageGuard(server, isRedis,
            provider.GetRequiredService<IOptionsMonitor<StorageGuardOptions>>().Get(server),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<StorageGuard>()));
        return services;
    }
}
