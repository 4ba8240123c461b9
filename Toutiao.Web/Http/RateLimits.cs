using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Toutiao.Web.Http;

/// <summary>
/// The rate limits: every one but this is shared across replicas (<see cref="SharedLimit"/>, taken by
/// the request gate). ASP.NET Core's limiter, in each process, keeps only the feed of readers without
/// a token (per client address; every invented anonymous id costs Redis state), where a shared count
/// would cost every page a round trip. Over the limit is a 429 with <c>Retry-After</c> and the envelope message.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddToutiaoRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName);
        services.AddSingleton<SharedRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => PerClient(http, limits));
        });
        return services;
    }

    private static RateLimitPartition<string> PerClient(HttpContext http, RateLimitOptions limits)
    {
        var path = http.Request.Path;
        if (path.StartsWithSegments("/v1_1/articles") && !http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return PerMinute("anonymous-feed:" + ClientAddress.Of(http), limits.AnonymousFeedPerClientPerMinute);
        }

        return RateLimitPartition.GetNoLimiter("");
    }

    private static RateLimitPartition<string> PerMinute(string key, int permits)
        => RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
        });

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var response = context.HttpContext.Response;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 60;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await response.WriteAsJsonAsync(new ApiError($"Too many requests: try again in {seconds} s."), cancellationToken);
    }
}
