namespace Toutiao.Web.Http;

/// <summary>
/// The rate limits, every one shared across replicas in the state Redis (<see cref="SharedLimit"/>,
/// taken by the request gate): most a round trip per request, reads in blocks. Over a limit is a 429
/// with <c>Retry-After</c> and the envelope message.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddToutiaoRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName);
        services.AddSingleton<SharedRateLimiter>();
        services.AddSingleton<SharedPermitBlocks>();
        return services;
    }
}
