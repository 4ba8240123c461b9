using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Toutiao.Web.Http;

/// <summary>
/// ASP.NET Core's rate limiter in front of what costs us most per request an attacker can send
/// for free: sign-in and code requests (per client address, and codes per mobile number), and the
/// feed of readers without a token (per client address; every invented anonymous id costs Redis
/// state). Over the limit is a 429 with <c>Retry-After</c> and the envelope message.
/// </summary>
public static class RateLimits
{
    public const string CodesPerMobilePolicy = "codes-per-mobile";

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
            limiter.AddPolicy(CodesPerMobilePolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                // Keyed as the handler reads it (trimmed), so padding cannot open a new partition.
                "mobile:" + (http.Request.RouteValues["mobile"] as string)?.Trim(),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.CodesPerMobile, Window = limits.CodesPerMobileWindow }));
        });
        return services;
    }

    private static RateLimitPartition<string> PerClient(HttpContext http, RateLimitOptions limits)
    {
        var client = ClientAddress.Of(http);
        var path = http.Request.Path;
        if ((HttpMethods.IsPost(http.Request.Method) && path.StartsWithSegments("/v1_0/authorizations")) || path.StartsWithSegments("/dev/sms-codes") || path.StartsWithSegments("/v1_0/sms/codes"))
        {
            return PerMinute("sign-in:" + client, limits.SignInPerClientPerMinute);
        }

        if (HttpMethods.IsPatch(http.Request.Method) && path.StartsWithSegments("/v1_0/user/photo"))
        {
            return PerMinute("uploads:" + client, limits.UploadsPerClientPerMinute);
        }

        if (HttpMethods.IsPost(http.Request.Method) && path.StartsWithSegments("/v1_0/comments"))
        {
            return PerMinute("comments:" + client, limits.CommentsPerClientPerMinute);
        }

        if (path.StartsWithSegments("/v1_1/articles") && !http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return PerMinute("anonymous-feed:" + client, limits.AnonymousFeedPerClientPerMinute);
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
